"""What the TorchScript compiler knows, frozen into data files so the linter never imports torch."""
