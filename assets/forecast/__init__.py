"""Where each measure is heading: exponential-smoothing forecasts, their backtest and year-end outlook."""
