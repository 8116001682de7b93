"""The high-ground study: does a site out-see and out-reach the lowlands around it?"""

from .study import StudyConfig, run_study

__all__ = ["StudyConfig", "run_study"]
