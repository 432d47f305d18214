"""The integrations are optional: trainprobe runs without lightning and transformers, and
importing an integration without its extra is one line naming the install."""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCK = ("import sys\n"
         "for name in ('lightning', 'lightning.pytorch', 'transformers', 'accelerate'):\n"
         "    sys.modules[name] = None  # import fails as if not installed\n")


@pytest.mark.parametrize(("module", "extra"), [("lightning", "lightning"), ("hf", "hf")])
def test_a_missing_extra_is_one_line_with_the_install_hint(module, extra):
    code = BLOCK + (
        "import trainprobe, trainprobe.cli, trainprobe.api, trainprobe.workflows\n"  # the core imports
        "from trainprobe.errors import TrainprobeError\n"
        "try:\n"
        f"    import trainprobe.integrations.{module}\n"
        "except TrainprobeError as error:\n"
        "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"pip install 'trainprobe[{extra}]'")
    assert "is not installed" in result.stdout
