"""What processFile's main path imports: never astropy.wcs (~0.13 s of every run's start-up,
with astropy.coordinates and astropy.table; the frames' and the fitted WCSs are TanSipWcs), and
on an SDSS frame no astropy at all (~0.2 s: astropy.io.fits imports astropy.units; lsstlite
reads and writes FITS itself, with its own `lsstlite.io.header.Header`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from astropy.io import fits

from lsstlite.sim import simulate_frame


def _run_in_fresh_process(argv: list[str]) -> str:
    code = textwrap.dedent(f"""
        import sys
        from lsstlite.tasks.processFile import main
        status = main({argv!r})
        print("STATUS", status, "ASTROPY_WCS", "astropy.wcs" in sys.modules, file=sys.stderr)
        print("ASTROPY", sorted(m for m in sys.modules if m.split(".")[0] == "astropy")[:3],
              file=sys.stderr)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600)
    return proc.stderr


def _check(stderr: str, calexp) -> None:
    assert "STATUS 0 ASTROPY_WCS False" in stderr, stderr
    # the astrometry ran: the calexp holds the fitted TAN-SIP, not the header's TAN
    header = fits.getheader(calexp, "IMAGE")
    assert header["CTYPE1"] == "RA---TAN-SIP" and "AP_ORDER" in header


def test_simulated_frame_with_refcat(tmp_path):
    frame = simulate_frame(seed=4, size=(1024, 800), header_wcs_shift_arcsec=(1.0, -1.5),
                           header_wcs_rotation_deg=0.2)
    frame.write(tmp_path / "frame.fits", tmp_path / "truth.fits", tmp_path / "refcat")
    out = tmp_path / "out"
    stderr = _run_in_fresh_process([str(tmp_path / "frame.fits"), "--output", str(out),
                                    "--refcat", str(tmp_path / "refcat")])
    _check(stderr, out / "frame.fits")


def test_sdss_r_frame_with_refcat(tmp_path, sdss_data):
    out = tmp_path / "out"
    stderr = _run_in_fresh_process([
        str(sdss_data / "run4192" / "fpC-004192-r4-0300.fit.gz"), "--output", str(out),
        "--refcat", str(sdss_data / "refcat")])
    _check(stderr, out / "fpC-004192-r4-0300.fits")
    assert "ASTROPY []" in stderr, stderr
