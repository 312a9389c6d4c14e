# lsstlite settings for SDSS fpC corrected frames (the obs_sdss equivalent).
# processFile.py applies this file automatically when its inputs are fpC-*.fit[.gz] frames;
# it is logged and shown by --show config. Pass -c/-C to change anything here.

# The psField KL PSF is the model: do not fit our own.
config.charImage.doMeasurePsf = False

# photo already found cosmic rays and interpolated them and the bad columns (fpM CR, INTERP).
config.charImage.repair.doCosmicRay = False
config.charImage.repair.doInterpolate = False

# SDSS sky varies slowly along the drift scan: large background cells.
config.charImage.background.binSize = 512
config.charImage.detection.background.binSize = 512
config.calibrate.detection.background.binSize = 512

# The SDSS calibration aperture (7 px radius); fluxes are corrected to total by the
# curve of growth before the zero point is fitted.
for measurement in (config.charImage.measurement, config.calibrate.measurement):
    measurement.plugins["base_CircularApertureFlux"].radii = [
        3.0, 4.5, 6.0, 7.0, 9.0, 12.0, 17.0, 25.0, 35.0, 50.0, 70.0]
    measurement.slots.calibFlux = "base_CircularApertureFlux_7_0"
    measurement.slots.apFlux = "base_CircularApertureFlux_7_0"

# Deblend every footprint, whatever its size.
config.calibrate.deblend.maxFootprintSize = 0

# SDSS magnitudes are tied to the psField PSF model (normalised to unit flux): correct the
# calib aperture to total with the model's enclosed fraction, not the stars' growth curve,
# whose wings keep rising beyond the model's 25 px.
config.calibrate.photoCal.totalFlux = "psfModel"
