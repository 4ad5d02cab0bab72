"""ASMD 0.5.1's module holding the package folder (``from asmd.idiot import THISDIR``,
used to build ``os.path.join(THISDIR, 'definitions')``, which :mod:`asmd.asmd` maps to
the embedded official definitions)."""

import os

#: The folder of the asmd package.
THISDIR = os.path.dirname(os.path.realpath(__file__))
