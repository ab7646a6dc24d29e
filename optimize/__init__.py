"""The campaign: optimizers, the loop, executors, storage and resume, selection, export, the CLI."""
