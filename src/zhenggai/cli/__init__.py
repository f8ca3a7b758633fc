"""The command line: the typer app, what it renders, its settings and Chinese messages."""
