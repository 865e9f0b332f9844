"""The pipeline's stages, one module each; importing this package registers them all in ``STAGES``."""

from qa.stages import (  # noqa: F401
    answer, cited, corroborate, dates, entities, freshness, generate, group, plan, retrieve, timeline, verdict, windows,
)
