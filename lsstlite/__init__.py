"""lsstlite: LSST-style single-frame processing of one FITS image, without the LSST stack.

Importing the package is cheap: heavy modules (numba, sep) are
imported only by the code that needs them, so ``processFile.py -h`` and ``--show`` start fast.
"""

__version__ = "0.1.0"
