"""tslint: static TorchScript linter."""

__version__ = "0.1.0"
