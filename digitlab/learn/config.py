"""The settings of a training run (`TrainConfig`), checked in plain words; the presets."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import keras

from digitlab import language
from digitlab.language import _
from digitlab.learn.architectures import get_architecture
from digitlab.learn.data import TRAIN_SIZE, VALIDATION_SIZE
from digitlab.learn.network import describe
from digitlab.learn.styles import VARIANTS

OPTIMIZERS = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}
SCHEDULES = ("constant", "onecycle")


@dataclass
class TrainConfig:
    """Everything that defines a training run; the only thing a page hands to `train_model`."""

    architecture: str = "fast"  # a name in models.ARCHITECTURES
    optimizer: str = "adam"  # sgd, adam or rmsprop
    learning_rate: float = 2e-2  # the peak rate under the one-cycle schedule
    batch_size: int = 256
    epochs: int = 2
    schedule: str = "onecycle"  # constant, or onecycle: warm-up then cosine decay
    seed: int = 0  # same seed, same config: same model
    augment: bool = False  # random shifts, rotations, zoom and stroke width (augment.py)
    validation: bool = True  # hold out the last 5,000 training images and report on them
    train_limit: int | None = None  # train on the first N images only (quick runs and tests)
    styles: int = 0  # style-set digits per variant (styles.py) mixed into training; 0: MNIST only
    network: dict | None = None  # a network of one's own (network.py) instead of the architecture's

    @classmethod
    def for_architecture(cls, name: str, **overrides) -> TrainConfig:
        """Return the tutorial defaults of architecture `name`, with `overrides` applied."""
        arch = get_architecture(name)
        defaults = dict(
            architecture=name,
            optimizer=arch.optimizer,
            learning_rate=arch.learning_rate,
            batch_size=arch.batch_size,
            epochs=arch.epochs,
            schedule=arch.schedule,
        )
        return cls(**{**defaults, **overrides})

    @classmethod
    def from_record(cls, record: dict) -> TrainConfig:
        """The config a saved model's metadata recorded (its "config"); settings it lacks take their defaults."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in record.items() if key in known})

    @classmethod
    def of_saved_model(cls, meta: dict) -> TrainConfig:
        """The config a saved model's metadata recorded, with the layers it was trained with where its
        architecture's layers have changed since (the shipped default is the `fast` of before 2026-12-07)."""
        config = cls.from_record(meta["config"])
        trained = meta.get("network")
        if config.network is None and trained and trained != get_architecture(config.architecture).network:
            config = replace(config, network=trained)
        return config

    def example_count(self) -> int:
        """How many images these settings train on (see `training_set`), known without loading MNIST."""
        available = TRAIN_SIZE - VALIDATION_SIZE if self.validation else TRAIN_SIZE
        count = min(self.train_limit, available) if self.train_limit else available
        return count + self.styles * len(VARIANTS)

    def validate(self) -> None:
        """Raise ValueError with a plain explanation if these settings cannot train."""
        get_architecture(self.architecture)  # its training defaults; its layers unless `network` is given
        if self.network is not None:
            describe(self.network)  # a NetworkError (a ValueError) says why it cannot work
        n_examples = self.example_count()
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                _("Unknown optimizer {name}; known: {known}").format(
                    name=repr(self.optimizer), known=", ".join(OPTIMIZERS)
                )
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(
                _("Unknown schedule {name}; known: {known}").format(
                    name=repr(self.schedule), known=", ".join(SCHEDULES)
                )
            )
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(_("Learning rate must be a positive number, not {value}").format(value=self.learning_rate))
        if self.epochs < 1:
            raise ValueError(_("Epochs must be at least 1, not {value}").format(value=self.epochs))
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(
                _("The seed must be a whole number from 0 to {most}, not {value}").format(
                    most=language.number(MAX_SEED), value=language.number(self.seed)
                )
            )
        if not 1 <= self.batch_size <= n_examples:
            raise ValueError(
                _("Batch size must be between 1 and the {count} training images, not {value}").format(
                    count=n_examples, value=self.batch_size
                )
            )


MAX_SEED = 2**32 - 1  # NumPy's and TensorFlow's seeds are 32-bit

# The longer recipe for the best accuracy this CPU reaches in a few minutes (bench/time_to_accuracy.py).
LONG_PRESET = TrainConfig.for_architecture("fast", epochs=20, augment=True, batch_size=128, learning_rate=1e-2)
