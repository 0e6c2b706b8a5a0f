"""TS9xx: the linter's own problems with a file. They are reported per file and never stop a run."""
from __future__ import annotations

from typing import ClassVar

from tslint.rule import Rule


class _FileProblem(Rule):
    contexts: ClassVar[frozenset[str]] = frozenset({"file"})


class SyntaxErrorInFile(_FileProblem):
    """
    ## What it does
    Reports a file that Python cannot parse, at the parser's line and column.

    ## Why is this bad?
    Neither tslint nor the TorchScript compiler can read the file; nothing in it was checked.

    ## Example
    ```python
    def forward(self, x)
        return x
    ```

    ## Use instead
    Fix the syntax error (tslint parses with the running Python's grammar; Python 2 code is reported
    here too).
    """

    code = "TS901"
    name = "syntax-error"
    message = "syntax error: the file does not parse"


class UndecodableFile(_FileProblem):
    """
    ## What it does
    Reports a file that cannot be read or decoded as Python source (binary content, a wrong
    `# -*- coding -*-` cookie, invalid UTF-8, or a read error).

    ## Why is this bad?
    Nothing in the file was checked.

    ## Example
    A `.py` file holding NUL bytes or Latin-1 text without a coding cookie.

    ## Use instead
    Save the file as UTF-8, or declare its encoding (PEP 263).
    """

    code = "TS902"
    name = "undecodable-file"
    message = "cannot read or decode the file"


class InternalError(_FileProblem):
    """
    ## What it does
    Reports an internal error of tslint while checking one file, with a pointer into tslint's code.

    ## Why is this bad?
    The file was only partly checked. The run went on with the other files; the exit code is 2.

    ## Example
    Any file that triggers a tslint bug.

    ## Use instead
    Report it with the file (or a reduced copy); meanwhile `# noqa` cannot silence it, but
    `--ignore TS903` or `per-file-ignores` can.
    """

    code = "TS903"
    name = "internal-error"
    message = "internal error while checking this file"
