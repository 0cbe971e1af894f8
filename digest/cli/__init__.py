"""The command line: argument parsing, commands, the weekly pipeline, the terminal report."""
