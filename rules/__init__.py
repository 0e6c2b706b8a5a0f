"""tslint's rules, one module per family; every `Rule` subclass here is discovered automatically."""
