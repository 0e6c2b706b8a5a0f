"""Data files generated from torch (see `tslint.compiler.schemas.regenerate`)."""
