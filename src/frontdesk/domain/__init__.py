"""Domain actions: validate, write, enqueue jobs and emit events after commit.

Nothing here imports the web layer; routes, channels and the CLI all call these functions.
"""
