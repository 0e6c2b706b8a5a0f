"""TS000: what only the real compiler found (reported by `tslint --confirm`, never by the static rules)."""
from __future__ import annotations

from typing import ClassVar

from tslint.rule import Rule


class MissedByRules(Rule):
    """
    ## What it does
    Reports, under `tslint --confirm`, an error of the real TorchScript compiler (or a `TracerWarning`
    of the tracer) at a place no tslint rule flagged. `--confirm` compiles every unit with all the
    findings tslint knows about neutralized; whatever still fails is reported here, at the compiler's
    innermost location in your files, with the compiler's message.

    ## Why is this bad?
    The compiler stops at its first error, so this is the next thing `torch.jit.script` will reject
    once the other findings are fixed (or, for a trace, a constant the trace bakes in). tslint's rules
    did not predict it: please report the case so a rule can cover it.

    ## Example
    ```python
    class Net(nn.Module):
        def forward(self, x):
            return construct_no_rule_knows_yet(x)  # TS000 under --confirm
    ```

    ## Use instead
    Fix what the compiler's message says (it is shown as the finding's confirmation), or keep the
    Python-only code out of compiled code: `@torch.jit.ignore`, or `if not torch.jit.is_scripting():`.
    """

    code = "TS000"
    name = "missed-by-rules"
    message = "the compiler rejects this and no tslint rule predicted it (found by --confirm)"
    contexts: ClassVar[frozenset[str]] = frozenset({"script", "trace"})
    #: reported from the compiler's own verdict: there is no construct to exemplify
    examples_exempt: ClassVar[bool] = True
