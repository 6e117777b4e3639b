#!/usr/bin/env python3
"""An existing eval script, of the kind teams already have: lints a prompt configuration.

rollout-gate's `command` benchmark runs it with the version under review in the JSON file named by
ROLLOUT_GATE_TARGET_FILE, and reads the metrics it prints as JSON on stdout. Logs go to stderr.
"""

import json
import os
import sys

BANNED_PHRASES = ["ignore previous instructions", "as an ai language model", "be imaginative"]


def main() -> int:
    with open(os.environ["ROLLOUT_GATE_TARGET_FILE"], encoding="utf-8") as handle:
        target = json.load(handle)
    config = target.get("value") or {}
    template = str(config.get("template", ""))
    lowered = template.lower()
    print(f"linting {target.get('name')} version {target.get('version')}", file=sys.stderr)
    metrics = {
        "has_question_slot": 1 if "{question}" in template else 0,
        "template_chars": len(template),
        "temperature": float(config.get("temperature", 0)),
        "banned_phrases": sum(lowered.count(phrase) for phrase in BANNED_PHRASES),
    }
    print(json.dumps({"metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
