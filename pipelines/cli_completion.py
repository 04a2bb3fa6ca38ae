"""Shell completion for `joinedup`: the script for the user's shell, printed or installed.

Click completes a command line by calling `joinedup` back with `_JOINEDUP_COMPLETE` set; the script
only teaches the shell to do so. Installed in the files typer used, so installing again replaces a
script installed under typer (whose calls click does not answer).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

# Per shell: where its script goes, the start-up file that must load it (fish loads it by itself),
# and the line that does.
_INSTALL = {
    "bash": (".bash_completions/{prog}.sh", ".bashrc", "source '{script}'"),
    "zsh": (".zfunc/_{prog}", ".zshrc", "fpath+=~/.zfunc; autoload -Uz compinit; compinit"),
    "fish": (".config/fish/completions/{prog}.fish", None, None),
}


def current_shell() -> str:
    """Return the user's shell (from $SHELL); raise click.ClickException when click cannot complete for it."""
    shell = Path(os.environ.get("SHELL", "")).name
    if shell not in _INSTALL:
        raise click.ClickException(
            f"no completion for the shell {shell or '(none: $SHELL is not set)'}: "
            f"{', '.join(_INSTALL)} have it"
        )
    return shell


def completion_script(command: click.Command, prog_name: str, shell: str) -> str:
    """Return the script that makes `shell` complete `prog_name`'s command lines."""
    from click.shell_completion import get_completion_class

    complete_var = f"_{prog_name}_COMPLETE".replace("-", "_").upper()  # as click.Command.main names it
    completion = get_completion_class(shell)
    assert completion is not None, shell  # every shell of _INSTALL is one click completes
    return completion(command, {}, prog_name, complete_var).source()


def install_completion(command: click.Command, prog_name: str, shell: str, home: Path) -> Path:
    """Write the completion script where `shell` reads it (loaded from its start-up file); return its path."""
    script_name, rc_name, load_line = _INSTALL[shell]
    script = home / script_name.format(prog=prog_name)
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(completion_script(command, prog_name, shell) + "\n")
    if rc_name and load_line:
        rc, line = home / rc_name, load_line.format(script=script)
        lines = rc.read_text().splitlines() if rc.exists() else []
        if line not in lines:
            rc.write_text("\n".join([*lines, line]) + "\n")
    return script
