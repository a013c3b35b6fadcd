"""Prompt strategies and the answer schemas they validate against."""

from nerdistill.prompts.strategy import PromptStrategy, StrategyOptions

__all__ = ["PromptStrategy", "StrategyOptions"]
