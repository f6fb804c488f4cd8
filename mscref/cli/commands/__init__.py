"""One module per command; importing this package registers them all, in the order ``--help`` lists them."""

from mscref.cli.commands import (  # noqa: F401
    claims,
    compare,
    evidence,
    fetch,
    import_ctgov,
    indications,
    products,
    refs,
    registry,
    report,
    schema,
    show,
    summary,
    trials,
    validate,
)
