"""Ready-made config override files shipped with lsstlite (``lsstlite.config_overrides``).

``sdss.py`` is applied automatically to SDSS fpC frames; the others are presets to pass with
``--configfile``.
"""
