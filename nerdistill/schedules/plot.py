"""The picture of the paper's figure 3: the distilled weight over the epochs, one line a schedule."""

from __future__ import annotations

from pathlib import Path

from nerdistill.core.data.files import atomic_write
from nerdistill.schedules.spec import NamedSchedule


def plot_schedules(schedules: list[NamedSchedule], epochs: int, output: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    epochs_axis = list(range(epochs))
    for named in schedules:
        axes.plot(epochs_axis, [w for w, _ in named.schedule.curve(epochs)], marker="o", markersize=3,
                  label=named.label)
    axes.set_xlabel("epoch t")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("weight of distilled data $w_0$")
    axes.set_title(f"Mixing schedules over {epochs} epochs")
    axes.set_ylim(-0.05, 1.05)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    figure.tight_layout()
    output = Path(output)
    with atomic_write(output, "wb") as stream:
        figure.savefig(stream, format=output.suffix.lstrip(".") or "png")
    plt.close(figure)
    return output
