#!/usr/bin/env python3
"""Puts the optional semantic model into a directory for `answer.semantic.model`.

    python3 scripts/fetch_semantic_model.py models/wordllama

The model is WordLlama's 256-dimension English token embeddings (l2_supercat, MIT licence;
the table was trained from Llama 2's token embeddings, so Meta's Llama 2 community licence
applies to it as well). It ships inside the `wordllama` wheel on PyPI, so it comes from the
package registry with pip, once, when the service is installed: refdesk itself never
downloads anything. The two files are checked against the digests below and written as
`tokenizer.json` and `embeddings.safetensors`, with `SOURCE.txt` saying where they came from.

Needs Python 3 with pip (in a venv: `python3 -m venv v && v/bin/python scripts/...`).
"""

import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "wordllama==0.4.0.post1"
# The wheel for one platform: every wheel of the release holds the same two files.
WHEEL_FLAGS = [
    "--only-binary=:all:",
    "--platform", "manylinux2014_x86_64",
    "--python-version", "3.11",
    "--implementation", "cp",
    "--abi", "cp311",
]
FILES = {
    "wordllama/weights/l2_supercat_256.safetensors": (
        "embeddings.safetensors",
        "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5",
    ),
    "wordllama/tokenizers/l2_supercat_tokenizer_config.json": (
        "tokenizer.json",
        "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68",
    ),
}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    target = pathlib.Path(sys.argv[1])
    if all((target / name).exists() for name, _ in FILES.values()):
        print(f"{target}: already there")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--disable-pip-version-check", "-d", tmp, *WHEEL_FLAGS, PACKAGE],
            check=True,
        )
        wheels = list(pathlib.Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            print(f"expected one wheel, pip left {wheels}", file=sys.stderr)
            return 1
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as wheel:
            for member, (name, digest) in FILES.items():
                data = wheel.read(member)
                got = hashlib.sha256(data).hexdigest()
                if got != digest:
                    print(f"{member}: sha256 {got}, expected {digest}", file=sys.stderr)
                    return 1
                partial = target / (name + ".partial")
                partial.write_bytes(data)
                partial.replace(target / name)
    (target / "SOURCE.txt").write_text(
        f"From the PyPI package {PACKAGE} (MIT licence; the embeddings derive from Llama 2's,\n"
        "under Meta's Llama 2 community licence):\n"
        + "".join(f"  {name} <- {member}\n" for member, (name, _) in FILES.items())
    )
    print(f"{target}: {', '.join(name for name, _ in FILES.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
