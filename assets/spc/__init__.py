"""Statistical process control (XmR charts) as in NHS England's Making Data Count."""
