"""The pipeline's stages, one module each; importing this package registers them all in ``STAGES``."""

from qa.stages import answer, cited, corroborate, dates, freshness, generate, plan, retrieve, windows  # noqa: F401
