"""Write the defect corpus: one directory per broken input, each with the exact error it must give.

    python tests/corpus/build.py      # rewrites tests/corpus/NNN-name/ from the cases below

Each case directory holds the broken file(s) and ``case.json``:

- ``base``: ``"minimal"`` when the files replace files of a copy of tests/fixtures/minimal
  (the copy is ``{data}``), or null;
- ``argv``: the mscref command (``{data}``, ``{case}``, ``{tmp}`` are filled in by the test);
- ``exit``: the exit code (1 for a problem with the input, 2 for a usage error);
- ``stderr``: lines that must each appear in full on stderr.

Every case must also end without a traceback and write nothing (tests/test_corpus.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
MINIMAL = HERE.parent / "fixtures" / "minimal"
SYNTHETIC = HERE.parent / "fixtures" / "ctgov" / "synthetic_bm_msc_gvhd.json"
VALIDATE = ["validate", "--data-dir", "{data}"]
T, IND, S, R, C = "trials.yaml", "indications.yaml", "sources.yaml", "references.yaml", "claims.yaml"
KNOWN_SYSTEMS = (
    "immune, musculoskeletal, neurological, respiratory, cardiovascular, vascular, renal, gastrointestinal, "
    "reproductive, endocrine-metabolic, haematological, dermatological, other"
)

# (name, file, old, new, expected stderr lines) — one edit of the minimal data set each
EDITS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "syntax-unclosed-flow",
        IND,
        "    system: immune",
        "    system: [immune",
        [
            "{data}/indications.yaml:7: YAML syntax error: while parsing a flow sequence (started at line 6), "
            "did not find expected ',' or ']' (column 7)"
        ],
    ),
    (
        "syntax-bad-indent",
        T,
        "    title: Randomized trial in knee OA\n",
        "   title: Randomized trial in knee OA\n",
        [
            "{data}/trials.yaml:35: YAML syntax error: while parsing a block collection (started at line 16), "
            "did not find expected '-' indicator (column 4)"
        ],
    ),
    (
        "tab-indentation",
        IND,
        "    system: immune",
        "\tsystem: immune",
        [
            "{data}/indications.yaml:6: YAML syntax error: while scanning for the next token, found character that "
            "cannot start any token (column 1); YAML does not allow tabs for indentation, use spaces"
        ],
    ),
    (
        "duplicate-key-top-level",
        T,
        "trials:\n",
        "trials: []\ntrials:\n",
        [
            "{data}/trials.yaml:16: trials: duplicate key 'trials' (first at line 15); "
            "YAML would silently keep only the last one"
        ],
    ),
    (
        "duplicate-key-in-record",
        IND,
        "    system: immune\n",
        "    system: immune\n    system: renal\n",
        [
            "{data}/indications.yaml:7: indications[0].system: duplicate key 'system' (first at line 6); "
            "YAML would silently keep only the last one"
        ],
    ),
    (
        "duplicate-key-in-flow-mapping",
        T,
        "{randomized: false, control: none}",
        "{randomized: false, control: none, randomized: true}",
        [
            "{data}/trials.yaml:22: trials[0].design.randomized: duplicate key 'randomized' (first at line 22); "
            "YAML would silently keep only the last one"
        ],
    ),
    (
        "duplicate-key-nested-list",
        T,
        '{arm: msc, events: 38, total: 54, value: 70.4, unit: "%"}',
        '{arm: msc, events: 38, total: 54, total: 60, value: 70.4, unit: "%"}',
        [
            "{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].total: duplicate key 'total' (first at line 32); "
            "YAML would silently keep only the last one"
        ],
    ),
    (
        "unknown-key-did-you-mean",
        IND,
        "    system: immune",
        "    sytem: immune",
        [
            "{data}/indications.yaml:6: indications[0].sytem: unknown key 'sytem'; did you mean 'system'?",
            "{data}/indications.yaml:2: indications[0]: missing required key 'system'",
        ],
    ),
    (
        "unknown-key-nested",
        T,
        "{randomized: true, blinding: double-blind, control: active}",
        "{randomised: true, blinding: double-blind, control: active}",
        [
            "{data}/trials.yaml:41: trials[1].design.randomised: unknown key 'randomised'; did you mean 'randomized'?"
        ],
    ),
    (
        "unknown-top-level-key",
        R,
        "references:\n",
        "refernces: []\nreferences:\n",
        ["{data}/references.yaml:1: refernces: unknown key 'refernces'; did you mean 'references'?"],
    ),
    (
        "string-for-number",
        T,
        "    n: 30\n",
        "    n: thirty\n",
        ["{data}/trials.yaml:42: trials[1].n: expected an integer, got string 'thirty'"],
    ),
    (
        "yes-is-not-a-boolean",
        T,
        "        primary: true\n",
        "        primary: yes\n",
        ["{data}/trials.yaml:30: trials[0].outcomes[0].primary: expected true or false, got string 'yes'"],
    ),
    (
        "on-is-not-a-boolean",
        T,
        "{randomized: false, control: none}",
        "{randomized: on, control: none}",
        ["{data}/trials.yaml:22: trials[0].design.randomized: expected true or false, got string 'on'"],
    ),
    (
        "exponent-is-not-a-number",
        T,
        "    n: 30\n",
        "    n: 1e3\n",
        ["{data}/trials.yaml:42: trials[1].n: expected an integer, got string '1e3'"],
    ),
    (
        "hex-is-not-a-number",
        T,
        "    n: 30\n",
        "    n: 0x10\n",
        ["{data}/trials.yaml:42: trials[1].n: expected an integer, got string '0x10'"],
    ),
    (
        "float-for-integer",
        T,
        "    n: 30\n",
        "    n: 30.5\n",
        ["{data}/trials.yaml:42: trials[1].n: expected an integer, got number 30.5"],
    ),
    (
        "date-for-integer",
        R,
        "    title: The seed article\n",
        "    title: The seed article\n    year: 2024-01-01\n",
        ["{data}/references.yaml:5: references[0].year: expected an integer, got string '2024-01-01'"],
    ),
    (
        "number-for-text",
        IND,
        "    name: knee osteoarthritis",
        "    name: 12",
        [
            "{data}/indications.yaml:8: indications[1].name: expected a string, got integer 12 (quote it to make it text)"
        ],
    ),
    (
        "boolean-for-text",
        IND,
        "    name: knee osteoarthritis",
        "    name: true",
        [
            "{data}/indications.yaml:8: indications[1].name: expected a string, got boolean true "
            "(quote it to make it text)"
        ],
    ),
    (
        "events-exceed-total",
        T,
        "events: 38, total: 54, value: 70.4",
        "events: 58, total: 54, value: 70.4",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].events: events (58) exceed total (54)"],
    ),
    (
        "negative-n",
        T,
        "    n: 30\n",
        "    n: -3\n",
        ["{data}/trials.yaml:42: trials[1].n: must be at least 1, got -3"],
    ),
    (
        "zero-n",
        T,
        "    n: 30\n",
        "    n: 0\n",
        ["{data}/trials.yaml:42: trials[1].n: must be at least 1, got 0"],
    ),
    (
        "negative-events",
        T,
        "events: 38, total: 54, value: 70.4",
        "events: -1, total: 54",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].events: must be at least 0, got -1"],
    ),
    (
        "percentage-over-100",
        T,
        "value: 70.4",
        "value: 170.4",
        [
            "{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].value: a percentage must be within 0-100, got 170.4"
        ],
    ),
    (
        "percentage-disagrees-with-counts",
        T,
        "value: 70.4",
        "value: 72",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].value: 72% disagrees with 38/54 = 70.4%"],
    ),
    (
        "value-without-unit",
        T,
        'value: 70.4, unit: "%"',
        "value: 70.4",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].unit: a value needs its unit"],
    ),
    (
        "month-13",
        T,
        'date: "2024-12"',
        'date: "2024-13"',
        ["{data}/trials.yaml:11: products[0].approvals[0].date: month 13 does not exist in '2024-13'"],
    ),
    (
        "february-30",
        T,
        'date: "2024-12"',
        'date: "2024-02-30"',
        [
            "{data}/trials.yaml:11: products[0].approvals[0].date: day 30 does not exist in '2024-02-30' "
            "(that month has 29 days)"
        ],
    ),
    (
        "date-wrong-format",
        T,
        'date: "2024-12"',
        'date: "12/2024"',
        [
            "{data}/trials.yaml:11: products[0].approvals[0].date: expected a date YYYY, YYYY-MM or YYYY-MM-DD, "
            "got '12/2024'"
        ],
    ),
    (
        "withdrawn-without-date",
        T,
        "        status: approved\n",
        "        status: withdrawn\n",
        [
            "{data}/trials.yaml:9: products[0].approvals[0].status_date: a withdrawn approval needs the date of "
            "withdrawal"
        ],
    ),
    (
        "dangling-source",
        T,
        "    source: uc\n",
        "    source: ucx\n",
        ["{data}/trials.yaml:38: trials[1].source: unknown source 'ucx'; did you mean 'uc'?"],
    ),
    (
        "dangling-indication",
        T,
        "    indication: knee-oa\n",
        "    indication: knee\n",
        ["{data}/trials.yaml:39: trials[1].indication: unknown indication 'knee'; did you mean 'knee-oa'?"],
    ),
    (
        "dangling-reference",
        T,
        "refs: [nct-1, seed]",
        "refs: [nct-2, seed]",
        ["{data}/trials.yaml:33: trials[0].refs[0]: unknown reference 'nct-2'; did you mean 'nct-1'?"],
    ),
    (
        "dangling-product",
        T,
        "    product: prod-a\n",
        "    product: prod-b\n",
        ["{data}/trials.yaml:19: trials[0].product: unknown product 'prod-b'; did you mean 'prod-a'?"],
    ),
    (
        "dangling-arm",
        T,
        "{arm: msc, events: 38",
        "{arm: mscs, events: 38",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].arm: unknown arm 'mscs'; arms are: msc"],
    ),
    (
        "dangling-claim-record",
        C,
        "    records: [trial-a]",
        "    records: [trial-z]",
        [
            "{data}/claims.yaml:9: claims[0].records[0]: unknown trial or product 'trial-z'; did you mean 'trial-b'?"
        ],
    ),
    (
        "duplicate-id-in-file",
        T,
        "  - id: trial-b\n",
        "  - id: trial-a\n",
        [
            "{data}/trials.yaml:34: trials[1].id: duplicate id 'trial-a' (already used at {data}/trials.yaml:16)"
        ],
    ),
    (
        "duplicate-id-across-files",
        IND,
        "  - id: knee-oa",
        "  - id: uc",
        [
            "{data}/indications.yaml:7: indications[1].id: duplicate id 'uc' (already used at {data}/sources.yaml:16)"
        ],
    ),
    (
        "missing-required-key",
        T,
        "    title: Randomized trial in knee OA\n",
        "",
        ["{data}/trials.yaml:34: trials[1]: missing required key 'title'"],
    ),
    (
        "null-for-required-text",
        T,
        "    title: Randomized trial in knee OA\n",
        "    title: null\n",
        ["{data}/trials.yaml:35: trials[1].title: expected a string, got null"],
    ),
    (
        "empty-string",
        IND,
        "    name: knee osteoarthritis",
        '    name: ""',
        ["{data}/indications.yaml:8: indications[1].name: expected a non-empty string, got an empty one"],
    ),
    (
        "enum-wrong-case",
        T,
        "    product_type: cells\n    source: uc",
        "    product_type: Cells\n    source: uc",
        [
            "{data}/trials.yaml:37: trials[1].product_type: expected one of cells, extracellular-vesicles, "
            "engineered-cells, stromal-vascular-fraction, marrow-concentrate, precursor-cells, "
            "msc-derived-cells, non-msc; got string 'Cells'; did you mean 'cells'?"
        ],
    ),
    (
        "phase-not-in-vocabulary",
        T,
        'phase: "1/2"',
        'phase: "2b"',
        [
            "{data}/trials.yaml:40: trials[1].phase: expected one of 0, 1, 1/2, 2, 2/3, 3, 4; got string '2b'; "
            "did you mean '2'?"
        ],
    ),
    (
        "organ-system-unknown",
        IND,
        "    system: immune",
        "    system: immunity",
        [
            f"{{data}}/indications.yaml:6: indications[0].system: expected one of {KNOWN_SYSTEMS}; "
            "got string 'immunity'; did you mean 'immune'?"
        ],
    ),
    (
        "list-where-mapping-expected",
        T,
        "{randomized: false, control: none}",
        "[randomized, none]",
        ["{data}/trials.yaml:22: trials[0].design: expected a mapping, got a list"],
    ),
    (
        "text-trait-with-level",
        S,
        "main-advantages: {text: anti-inflammatory",
        "main-advantages: {level: high, text: anti-inflammatory",
        [
            "{data}/sources.yaml:24: sources[0].traits.main-advantages.level: 'main-advantages' is a text trait; "
            "it takes no level"
        ],
    ),
    (
        "ambiguous-alias",
        S,
        "    name_zh: 骨髓",
        "    name_zh: 臍帶",
        [
            "{data}/sources.yaml:28: sources[1].name_zh: the name '臍帶' also names 'uc'; names must be unambiguous"
        ],
    ),
    (
        "parent-loop",
        IND,
        "    system: musculoskeletal",
        "    system: musculoskeletal\n    parent: knee-oa",
        [
            "{data}/indications.yaml:11: indications[1].parent: parent chain of 'knee-oa' loops back to 'knee-oa'"
        ],
    ),
    (
        "non-msc-product-with-msc-source",
        T,
        "    product_type: cells\n    source: uc",
        "    product_type: non-msc\n    source: uc",
        [
            "{data}/trials.yaml:37: trials[1].product_type: product_type 'non-msc' needs a non-MSC source, but 'uc' "
            "is an MSC source"
        ],
    ),
    (
        "custom-tag",
        IND,
        "    system: immune",
        "    system: !organ immune",
        ["{data}/indications.yaml:6: indications[0].system: unsupported YAML tag !organ on 'immune'"],
    ),
    (
        "python-object-tag",
        IND,
        "    system: immune",
        "    system: !!python/object/apply:os.system [echo hi]",
        [
            "{data}/indications.yaml:6: indications[0].system: unsupported YAML tag !!python/object/apply:os.system "
            "on a list"
        ],
    ),
    (
        "merge-key",
        IND,
        "  - id: knee-oa\n",
        "  - <<: {system: renal}\n    id: knee-oa\n",
        [
            "{data}/indications.yaml:7: indications[1].<<: unknown key '<<'; allowed keys: aliases, id, name, "
            "name_zh, parent, system"
        ],
    ),
    (
        "boolean-key",
        IND,
        "    system: musculoskeletal",
        "    system: musculoskeletal\n    true: 1",
        ["{data}/indications.yaml:11: indications[1]: keys must be plain text, got 'true'"],
    ),
    (
        "registry-id-not-listed",
        T,
        "        result: improved\n    refs: [seed]\n",
        "        result: improved\n    registry: {id: NCT00000009}\n    refs: [seed]\n",
        [
            "{data}/trials.yaml:34: trials[1].registry_ids: registry_ids must list the registry record's id "
            "NCT00000009"
        ],
    ),
    (
        "number-with-underscore",
        T,
        "    n: 30\n",
        "    n: 3_0\n",
        ["{data}/trials.yaml:42: trials[1].n: expected an integer, got string '3_0'"],
    ),
    (
        "binary-number",
        T,
        "    n: 30\n",
        "    n: 0b11110\n",
        ["{data}/trials.yaml:42: trials[1].n: expected an integer, got string '0b11110'"],
    ),
    (
        "infinite-value",
        T,
        'value: 70.4, unit: "%"',
        "value: 1.0e400, unit: points",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].value: expected a finite number, got inf"],
    ),
    (
        "huge-count",
        T,
        "    n: 30\n",
        "    n: 10000000000000000000\n",
        ["{data}/trials.yaml:42: trials[1].n: must be at most 1e+08, got a 20-digit number"],
    ),
    (
        "five-thousand-digit-number",
        T,
        "    n: 30\n",
        "    n: " + "1" * 5000 + "\n",
        [
            "{data}/trials.yaml:42: trials[1].n: a number of 5000 digits is too large (at most 30); quote it if it is text"
        ],
    ),
    (
        "absurd-timepoint",
        T,
        "timepoint: month 12",
        "timepoint: day 123456789",
        [
            "{data}/trials.yaml:49: trials[1].outcomes[0].timepoint: 'day 123456789' does not match the pattern "
            "(day|week|month|year) [0-9]{1,5}"
        ],
    ),
    (
        "control-character",
        IND,
        "    name: knee osteoarthritis",
        "    name: knee\x01osteoarthritis",
        [
            "{data}/indications.yaml:8: YAML does not allow the character U+0001 (control characters are not allowed)"
        ],
    ),
    (
        "surrogate-escape",
        IND,
        "    name: knee osteoarthritis",
        '    name: "knee \\ud800"',
        [
            "{data}/indications.yaml:8: YAML syntax error: while parsing a quoted scalar, found invalid Unicode "
            "character escape code (column 19); an escape cannot be half of a UTF-16 surrogate pair (like \\ud83d): "
            "write the character itself, or escape it whole (\\U0001F600)"
        ],
    ),
    (
        "key-with-newline",
        IND,
        "    system: immune",
        '    "sys\\ntem": immune',
        [
            "{data}/indications.yaml:6: indications[0].sys\\ntem: unknown key 'sys\\ntem'; did you mean 'system'?",
            "{data}/indications.yaml:2: indications[0]: missing required key 'system'",
        ],
    ),
    (
        "zero-width-only-string",
        IND,
        "    name: knee osteoarthritis",
        '    name: "\u200b\u200b"',
        [
            "{data}/indications.yaml:8: indications[1].name: expected a non-empty string, got one with nothing "
            "visible in it"
        ],
    ),
    (
        "integer-key-in-traits",
        S,
        "      main-advantages: {text: anti-inflammatory",
        "      12: {text: x}\n      main-advantages: {text: anti-inflammatory",
        ["{data}/sources.yaml:24: sources[0].traits: keys must be plain text, got '12'"],
    ),
    (
        "bad-registry-id",
        T,
        "registry_ids: [NCT00000001]",
        "registry_ids: [NCT123]",
        [
            "{data}/trials.yaml:18: trials[0].registry_ids[0]: 'NCT123' does not match the pattern "
            "(?:NCT[0-9]{8})|(?:ChiCTR[0-9]{10}|ChiCTR-[A-Z]{2,4}-[0-9]{8})|(?:jRCT[0-9]{10})|(?:CTR[0-9]{8})|"
            "(?:[0-9]{4}-[0-9]{6}-[0-9]{2})|(?:ISRCTN[0-9]{8})"
        ],
    ),
]

# The outcome model (continuous results, effects, safety, dose and route): one edit of the minimal
# data set each, numbered after the cases above so their numbers stay put.
ARM_RESULT = '          - {arm: msc, events: 38, total: 54, value: 70.4, unit: "%"}'
PRIMARY = "        primary: true\n"
RESULTS: list[tuple[str, str, str, str, list[str]]] = [
    (
        "negative-sd",
        T,
        ARM_RESULT,
        "          - {arm: msc, mean: 5.2, sd: -1.5, unit: points}",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].sd: must be at least 0, got -1.5"],
    ),
    (
        "negative-se",
        T,
        ARM_RESULT,
        "          - {arm: msc, mean: 5.2, se: -0.3, unit: points}",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].se: must be at least 0, got -0.3"],
    ),
    (
        "mean-without-unit",
        T,
        ARM_RESULT,
        "          - {arm: msc, mean: 5.2, sd: 1.5}",
        ["{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].unit: a mean needs its unit"],
    ),
    (
        "iqr-not-ordered",
        T,
        ARM_RESULT,
        "          - {arm: msc, median: 54.3, iqr_low: 93.3, iqr_high: -15.5, unit: mmHg}",
        [
            "{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].iqr_low: the IQR must be ordered "
            "Q1 <= median <= Q3, got 93.3, 54.3, -15.5"
        ],
    ),
    (
        "range-not-ordered",
        T,
        ARM_RESULT,
        "          - {arm: msc, median: 11.3, range_low: 20, range_high: 2, unit: months}",
        [
            "{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].range_low: the range 20 to 2 must be "
            "ordered and hold the median, mean and quartiles"
        ],
    ),
    (
        "n-analysed-exceeds-arm",
        T,
        ARM_RESULT,
        "          - {arm: msc, mean: 5.2, sd: 1.5, n_analysed: 60, unit: points}",
        [
            "{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].n_analysed: n_analysed (60) exceeds the arm's n (54)"
        ],
    ),
    (
        "effect-ci-excludes-estimate",
        T,
        PRIMARY,
        PRIMARY + "        effects: [{measure: md, estimate: 7.4, ci_low: 44.7, ci_high: 59.7}]\n",
        [
            "{data}/trials.yaml:31: trials[0].outcomes[0].effects[0].ci_low: the interval 44.7 to 59.7 "
            "does not contain its estimate 7.4"
        ],
    ),
    (
        "effect-ratio-ci-below-zero",
        T,
        PRIMARY,
        PRIMARY + "        effects: [{measure: or, estimate: 1.33, ci_low: -0.2, ci_high: 2.5}]\n",
        [
            "{data}/trials.yaml:31: trials[0].outcomes[0].effects[0].ci_low: a ratio's interval must be above 0, got -0.2"
        ],
    ),
    (
        "effect-ratio-zero",
        T,
        PRIMARY,
        PRIMARY + "        effects: [{measure: hr, estimate: 0}]\n",
        [
            "{data}/trials.yaml:31: trials[0].outcomes[0].effects[0].estimate: a ratio (hr) must be above 0, got 0"
        ],
    ),
    (
        "effect-ci-level-as-percent",
        T,
        PRIMARY,
        PRIMARY
        + "        effects: [{measure: md, estimate: 7.4, ci_low: -44.7, ci_high: 59.7, ci_level: 95}]\n",
        [
            "{data}/trials.yaml:31: trials[0].outcomes[0].effects[0].ci_level: ci_level must be between "
            "0 and 1 (0.95 for a 95% CI), got 95"
        ],
    ),
    (
        "effect-measure-wrong-case",
        T,
        PRIMARY,
        PRIMARY + "        effects: [{measure: HR, estimate: 1.2}]\n",
        [
            "{data}/trials.yaml:31: trials[0].outcomes[0].effects[0].measure: expected one of hr, or, rr, rd, "
            "md, smd, ratio-of-means, rate-ratio, other; got string 'HR'; did you mean 'hr'?"
        ],
    ),
    (
        "effect-unknown-comparator",
        T,
        PRIMARY,
        PRIMARY + "        effects: [{measure: or, estimate: 1.33, arm: msc, comparator: placebo}]\n",
        [
            "{data}/trials.yaml:31: trials[0].outcomes[0].effects[0].comparator: unknown arm 'placebo'; arms are: msc"
        ],
    ),
    (
        "figure-source-unknown",
        T,
        PRIMARY,
        PRIMARY + "        figure_source: blog\n",
        [
            "{data}/trials.yaml:31: trials[0].outcomes[0].figure_source: expected one of primary, registry, "
            "conference, review, news, press-release, secondary; got string 'blog'"
        ],
    ),
    (
        "sae-exceed-total",
        T,
        "    refs: [nct-1, seed]\n",
        "    safety:\n      - arms: [{arm: msc, total: 54, sae: 60}]\n    refs: [nct-1, seed]\n",
        ["{data}/trials.yaml:34: trials[0].safety[0].arms[0].sae: sae (60) exceeds total (54)"],
    ),
    (
        "safety-total-exceeds-arm",
        T,
        "    refs: [nct-1, seed]\n",
        "    safety:\n      - arms: [{arm: msc, total: 60, sae: 6}]\n    refs: [nct-1, seed]\n",
        ["{data}/trials.yaml:34: trials[0].safety[0].arms[0].total: total (60) exceeds the arm's n (54)"],
    ),
    (
        "route-other-without-words",
        T,
        "      - {id: msc, label: Product A, n: 54}",
        "      - {id: msc, label: Product A, n: 54, routes: [other]}",
        ["{data}/trials.yaml:25: trials[0].arms[0].route: route 'other' needs the route in words"],
    ),
    (
        "route-not-in-vocabulary",
        T,
        "      - {id: msc, label: Product A, n: 54}",
        "      - {id: msc, label: Product A, n: 54, routes: [intravenus]}",
        [
            "{data}/trials.yaml:25: trials[0].arms[0].routes[0]: expected one of intravenous, intra-arterial, "
            "intra-articular, intrathecal, intramuscular, intralesional, intracoronary, transendocardial, "
            "intramyocardial, intracerebral, intranasal, inhaled, subcutaneous, intradermal, topical, "
            "intraovarian, intrahepatic, other; got string 'intravenus'; did you mean 'intravenous'?"
        ],
    ),
    (
        "zero-cells-per-kg",
        T,
        "      - {id: msc, label: Product A, n: 54}",
        "      - {id: msc, label: Product A, n: 54, cells_per_kg: 0}",
        ["{data}/trials.yaml:25: trials[0].arms[0].cells_per_kg: cells_per_kg must be above 0"],
    ),
    (
        "single-dose-with-interval",
        T,
        "      - {id: msc, label: Product A, n: 54}",
        "      - {id: msc, label: Product A, n: 54, doses: 1, interval_days: 3.5}",
        ["{data}/trials.yaml:25: trials[0].arms[0].interval_days: a single dose has no interval"],
    ),
    (
        "derived-without-derivation",
        T,
        ARM_RESULT,
        '          - {arm: msc, events: 38, total: 54, value: 70.4, unit: "%", derived: true}',
        [
            "{data}/trials.yaml:32: trials[0].outcomes[0].arms[0].derivation: a derived figure needs its "
            "derivation (how it was computed)"
        ],
    ),
    (
        "duplicate-reference-doi",
        R,
        "    registry_id: NCT00000001\n",
        "    registry_id: NCT00000001\n  - id: article-1\n    kind: article\n    doi: 10.1000/x1\n"
        "  - id: article-2\n    kind: article\n    doi: 10.1000/X1\n",
        [
            "{data}/references.yaml:13: references[3].doi: doi 10.1000/X1 is also the doi of 'article-1': "
            "one article, one reference; merge them"
        ],
    ),
]

# (name, file, raw bytes, expected stderr lines) — whole files replaced
RAW: list[tuple[str, str, bytes, list[str]]] = [
    ("empty-file", C, b"", ["{data}/claims.yaml:1: the file is empty"]),
    ("only-comments", C, b"# nothing here yet\n", ["{data}/claims.yaml:1: the file is empty"]),
    ("only-null", C, b"~\n", ["{data}/claims.yaml:1: the file holds only null; expected a mapping"]),
    ("list-instead-of-mapping", C, b"- id: x\n", ["{data}/claims.yaml:1: expected a mapping, got a list"]),
    (
        "scalar-instead-of-mapping",
        C,
        b"claims\n",
        ["{data}/claims.yaml:1: expected a mapping, got string 'claims'"],
    ),
    (
        "two-documents",
        C,
        b"claims: []\n---\nclaims: []\n",
        [
            "{data}/claims.yaml:2: YAML syntax error: expected a single document in the stream (started at line 1), "
            "but found another document (column 1)"
        ],
    ),
    (
        "non-utf8",
        IND,
        b"indications: []\n# " + "移植物".encode("gb18030") + b"\n",
        ["{data}/indications.yaml:2: not UTF-8: byte 0xd2 at offset 18; save the file as UTF-8"],
    ),
    (
        "byte-order-mark",
        C,
        b"\xef\xbb\xbfclaims: []\n",
        ["{data}/claims.yaml:1: the file starts with a byte-order mark (BOM); save it as UTF-8 without BOM"],
    ),
    ("nul-byte", C, b"claims: []\n\x00\n", ["{data}/claims.yaml:2: the file contains a NUL byte"]),
    (
        "very-long-key",
        C,
        b"claims: []\n" + b"k" * 100_000 + b": 1\n",
        [
            "{data}/claims.yaml:2: YAML syntax error: while scanning a simple key, could not find expected ':' "
            "(column 100001)"
        ],
    ),
    (
        "deep-nesting",
        C,
        b"claims: " + b"[" * 100 + b"]" * 100 + b"\n",
        ["{data}/claims.yaml:1: claims" + "[0]" * 64 + ": nesting deeper than 64 levels"],
    ),
    (
        "very-deep-nesting",
        C,
        b"claims: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        ["{data}/claims.yaml:1: the YAML nests deeper than 200 levels"],
    ),
    (
        "very-deep-dash-chain",
        C,
        b"claims:\n  " + b"- " * 300 + b"x\n",
        ["{data}/claims.yaml:2: the YAML nests deeper than 200 levels"],
    ),
    (
        "alias-bomb",
        C,
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [".encode()
            + b", ".join([f"*{chr(97 + i)}".encode()] * 10)
            + b"]\n"
            for i in range(8)
        ),
        [
            "{data}/claims.yaml:1: d[7][9][0][1]: aliases expand to more than 10000 extra nodes (an alias bomb?); "
            "write the data out instead"
        ],
    ),
    (
        "recursive-alias",
        C,
        b"claims: &c [*c]\n",
        ["{data}/claims.yaml:1: claims[0]: a recursive alias refers to itself"],
    ),
    (
        "mapping-where-list-expected",
        C,
        b"claims: {id: x}\n",
        ["{data}/claims.yaml:1: claims: expected a list, got a mapping"],
    ),
    (
        "alias-of-wrong-type",
        C,
        b"x: &x {a: 1}\nclaims:\n  - id: c\n    topic: t\n    topic_zh: t\n    seed_text: s\n    seed_text_en: s\n"
        b"    verdict: verified\n    correction: c\n    refs: *x\n",
        [
            "{data}/claims.yaml:1: x: unknown key 'x'; allowed keys: claims",
            "{data}/claims.yaml:1: claims[0].refs: expected a list, got a mapping",
        ],
    ),
]

# (name, files, argv, exit, expected stderr lines) — importer and command-line cases
OTHER: list[tuple[str, dict[str, bytes], list[str], int, list[str]]] = [
    (
        "import-truncated-json",
        {"page.json": b'{"studies": [{"protocolSection": {"identificationModule": '},
        ["import", "ctgov", "{case}/page.json", "-o", "{tmp}/out.yaml"],
        1,
        [
            "{case}/page.json: not valid JSON: Expecting value at line 1, column 59",
            "error: 1 problem in the input; nothing was written",
        ],
    ),
    (
        "import-wrong-shape",
        {"page.json": b'{"results": []}'},
        ["import", "ctgov", "{case}/page.json", "-o", "{tmp}/out.yaml"],
        1,
        [
            "{case}/page.json: the file: not a study record (an object with keys results; a study has a "
            "'protocolSection')"
        ],
    ),
    (
        "import-list-of-non-studies",
        {"list.json": b'[1, "two"]'},
        ["import", "ctgov", "{case}/list.json", "-o", "{tmp}/out.yaml"],
        1,
        [
            "{case}/list.json: record 1: not a study record (a int; a study has a 'protocolSection')",
            "{case}/list.json: record 2: not a study record (a str; a study has a 'protocolSection')",
        ],
    ),
    (
        "import-empty-file",
        {"empty.json": b""},
        ["import", "ctgov", "{case}/empty.json", "-o", "{tmp}/out.yaml"],
        1,
        ["{case}/empty.json: not valid JSON: Expecting value at line 1, column 1"],
    ),
    (
        "import-not-utf8",
        {"bad.json": b'{"studies": ["\xff"]}'},
        ["import", "ctgov", "{case}/bad.json", "-o", "{tmp}/out.yaml"],
        1,
        ["{case}/bad.json: not UTF-8 (byte 0xff at offset 14)"],
    ),
    (
        "import-unknown-phase",
        {"study.json": b"PHASE7"},
        ["import", "ctgov", "{case}/study.json", "-o", "{tmp}/out.yaml"],
        1,
        [
            "{case}/study.json: record 1 (NCT99999901): designModule.phases[1]: unknown value 'PHASE7'; expected one "
            "of NA, EARLY_PHASE1, PHASE1, PHASE2, PHASE3, PHASE4"
        ],
    ),
    (
        "import-bad-nct-id",
        {"study.json": b"NCT123"},
        ["import", "ctgov", "{case}/study.json", "-o", "{tmp}/out.yaml"],
        1,
        [
            "{case}/study.json: record 1 (NCT123): identificationModule.nctId: expected an NCT id such as NCT01234567, "
            "got 'NCT123'"
        ],
    ),
    (
        "import-enrolment-as-text",
        {"study.json": b"ENROL"},
        ["import", "ctgov", "{case}/study.json", "-o", "{tmp}/out.yaml"],
        1,
        [
            "{case}/study.json: record 1 (NCT99999901): designModule.enrollmentInfo.count: expected a whole number, "
            "got '60'"
        ],
    ),
    (
        "import-missing-file",
        {},
        ["import", "ctgov", "{case}/nowhere.json", "-o", "{tmp}/out.yaml"],
        1,
        ["{case}/nowhere.json: no such file"],
    ),
    ("cli-unknown-command", {}, ["comapre", "uc"], 2, ["No such command 'comapre'."]),
    ("cli-bad-format", {}, ["trials", "--format", "xml"], 2, []),
    (
        "cli-unknown-source",
        {},
        ["compare", "uc", "liver"],
        1,
        ["error: unknown source 'liver'", "known sources: uc, ad, bm, am, ucb, ad-mpc, bm-mpc, hesc, ipsc"],
    ),
    ("cli-unknown-id", {}, ["show", "trail-a"], 1, ["error: no trial, product or source 'trail-a'"]),
    (
        "cli-data-dir-is-a-file",
        {"file.txt": b"not a directory\n"},
        ["trials", "--data-dir", "{case}/file.txt"],
        1,
        ["{case}/file.txt: is not a directory"],
    ),
    (
        "cli-missing-data-dir",
        {},
        ["trials", "--data-dir", "{case}/nowhere"],
        1,
        ["{case}/nowhere: no such data directory"],
    ),
    (
        "cli-bad-phase",
        {},
        ["trials", "--phase", "7"],
        2,
        ["error: unknown phase '7'; phases are: 0, 1, 1/2, 2, 2/3, 3, 4"],
    ),
    (
        "cli-bad-plot-suffix",
        {},
        ["evidence", "--indication", "gvhd", "--plot", "{tmp}/plot.pdf"],
        2,
        ["error: cannot plot to plot.pdf: use a .svg or .png file name"],
    ),
    (
        "cli-bad-timepoint",
        {},
        ["evidence", "--timepoint", "28 days"],
        2,
        ["error: bad timepoint '28 days': write it as 'day 28', 'week 4', 'month 12' or 'year 2'"],
    ),
    (
        "cli-report-into-missing-dir",
        {},
        ["report", "-o", "{tmp}/no/such/dir/r.md"],
        1,
        ["error: cannot write {tmp}/no/such/dir/r.md: no such directory {tmp}/no/such/dir"],
    ),
    (
        "cli-unknown-schema",
        {},
        ["schema", "trial"],
        2,
        [
            "error: unknown data file 'trial'; choose from sources, indications, references, trials, claims, "
            "statements"
        ],
    ),
]


def _study(kind: str) -> bytes:
    study = json.loads(SYNTHETIC.read_text(encoding="utf-8"))
    ps = study["protocolSection"]
    if kind == "PHASE7":
        ps["designModule"]["phases"] = ["PHASE2", "PHASE7"]
    elif kind == "NCT123":
        ps["identificationModule"]["nctId"] = "NCT123"
    elif kind == "ENROL":
        ps["designModule"]["enrollmentInfo"]["count"] = "60"
    return json.dumps(study, indent=1).encode()


def _write_case(d: Path, base: str | None, argv: list[str], code: int, expected: list[str]) -> None:
    spec = {"base": base, "argv": argv, "exit": code, "stderr": expected}
    (d / "case.json").write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    for old in HERE.iterdir():
        if old.is_dir() and old.name[:3].isdigit():
            shutil.rmtree(old)
    n = 0

    def case_dir(name: str) -> Path:
        nonlocal n
        n += 1
        d = HERE / f"{n:03d}-{name}"
        d.mkdir()
        return d

    for name, file, old, new, expected in EDITS:
        text = (MINIMAL / file).read_text(encoding="utf-8")
        assert text.count(old) == 1, (name, old)
        d = case_dir(name)
        (d / file).write_text(text.replace(old, new), encoding="utf-8")
        _write_case(d, "minimal", VALIDATE, 1, expected)
    for name, file, raw, expected in RAW:
        d = case_dir(name)
        (d / file).write_bytes(raw)
        _write_case(d, "minimal", VALIDATE, 1, expected)
    for name, files, argv, code, expected in OTHER:
        d = case_dir(name)
        for fname, content in files.items():
            if content in (b"PHASE7", b"NCT123", b"ENROL"):
                content = _study(content.decode())
            (d / fname).write_bytes(content)
        _write_case(d, None, argv, code, expected)
    for name, file, old, new, expected in RESULTS:
        text = (MINIMAL / file).read_text(encoding="utf-8")
        assert text.count(old) == 1, (name, old)
        d = case_dir(name)
        (d / file).write_text(text.replace(old, new), encoding="utf-8")
        _write_case(d, "minimal", VALIDATE, 1, expected)
    print(f"wrote {n} cases into {HERE}")


if __name__ == "__main__":
    main()
