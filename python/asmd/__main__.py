"""``python -m asmd ARGS...``: the ``asmd`` command line, with the Python that runs it.

>>> import subprocess, sys
>>> subprocess.run([sys.executable, "-m", "asmd", "--version"], capture_output=True).returncode
0
"""

from .cli import main

if __name__ == "__main__":
    main()
