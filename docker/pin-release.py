#!/usr/bin/env python3
"""Write a release's tag and commit into the package being built (release.yml runs it before every build).

`symphony-bot init` pins the workflows it writes to the action's commit SHA. A commit cannot contain its own
SHA, so the release's build gets it here, from the tag being built: RELEASE_TAG and RELEASE_SHA in
symphony_bot/action/install.py. Usage: pin-release.py TAG SHA [PACKAGE_ROOT]
"""

import re
import sys
from pathlib import Path

INSTALL = Path("symphony_bot/action/install.py")


def pin(root: Path, tag: str, sha: str) -> None:
    if not re.fullmatch(r"v\d+\.\d+\.\d+", tag) or not re.fullmatch(r"[0-9a-f]{40}", sha):
        sys.exit(f"pin-release: want a tag vX.Y.Z and a 40-hex commit SHA, got {tag!r} {sha!r}")
    path = root / INSTALL
    text = path.read_text(encoding="utf-8")
    for name, value in (("RELEASE_TAG", tag), ("RELEASE_SHA", sha)):
        text, count = re.subn(rf"^{name}: str \| None = None", f'{name}: str | None = "{value}"', text, flags=re.M)
        if count != 1:
            sys.exit(f"pin-release: {name} not found unpinned in {path}")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    pin(Path(sys.argv[3]) if len(sys.argv) > 3 else Path("."), sys.argv[1], sys.argv[2])
