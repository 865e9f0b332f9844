"""The pipeline's stages, one module each; importing this package registers them all in ``STAGES``."""

from qa.stages import answer, cited, corroborate, freshness, generate, plan, retrieve, timeline, verdict  # noqa: F401
