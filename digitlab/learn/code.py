"""See the code: a training run as a standalone Python script in plain Keras, and as a notebook.

The script trains the same network with the same settings the tutorials' way (load MNIST, build,
compile, fit, evaluate, save) and needs no DigitLab: `python script.py`, from any folder, reads the
files DigitLab ships (their absolute path is its `--data` default, and the notebook's `DATA`); a
missing folder, or `--data` of one, takes `keras.datasets.mnist`. Its last line is
`test_accuracy=0.xxxx`. What it leaves out is said in it (varied digits, drawn style digits).
"""

from __future__ import annotations

import json

from digitlab import settings as app_settings
from digitlab.learn.architectures import get_architecture
from digitlab.learn.data import DEFAULT_DATA_DIR
from digitlab.learn.layers import LAYER_REGISTRY
from digitlab.learn.network import MNIST_MEAN, MNIST_STD, describe
from digitlab.learn.train import TrainConfig

OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}

IMPORTS = """\
import gzip
from pathlib import Path

import keras
import numpy as np
from keras import layers"""

LOAD = '''\
def load_mnist(folder):
    """MNIST as (x_train, y_train, x_test, y_test), pixels 0-255: from `folder`'s .gz files, or Keras'."""
    if folder is None or not Path(folder).is_dir():
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        return x_train, y_train, x_test, y_test

    def read(name, header):
        with gzip.open(Path(folder) / name) as f:
            return np.frombuffer(f.read(), np.uint8, offset=header)

    return (
        read("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28),
        read("train-labels-idx1-ubyte.gz", 8),
        read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28),
        read("t10k-labels-idx1-ubyte.gz", 8),
    )


x_train, y_train, x_test, y_test = load_mnist(DATA)
{split}
if LIMIT:
    x_fit, y_fit = x_fit[:LIMIT], y_fit[:LIMIT]
print(f"training on {{len(x_fit):,}} digits{checked}")'''


def layer_line(settings: dict, name: str) -> str:
    """One layer of the network as the Keras line that builds it: the KerasCall network.build makes it from."""
    type_ = LAYER_REGISTRY[settings["type"]]
    call = type_.keras({**type_.defaults, **settings})
    arguments = [literal(value) for value in call.args] + [f"{k}={literal(v)}" for k, v in call.kwargs.items()]
    arguments.append(f'name="{name}"')
    return f"layers.{call.class_name}({', '.join(arguments)})"


def literal(value) -> str:
    """A setting as Python source: strings in double quotes (escaped), as the rest of the script writes them."""
    return json.dumps(value) if isinstance(value, str) else str(value)


def build_section(network: dict) -> str:
    rows = describe(network)
    scaling = (
        'layers.Rescaling(1 / 255, name="scale"),  # pixels 0-255 -> 0-1'
        if network["input"] == "unit"
        else f'layers.Rescaling(1 / (255 * {MNIST_STD}), offset=-{MNIST_MEAN} / {MNIST_STD}, name="standardize"),'
        "  # mean 0, spread 1"
    )
    lines = ["model = keras.Sequential(", "    [", "        keras.Input((28, 28)),", f"        {scaling}"]
    for before, row, settings in zip(rows, rows[1:], network["layers"], strict=False):
        if LAYER_REGISTRY[settings["type"]].needs_maps and len(before.shape) == 2:
            lines.append(f'        layers.Reshape(({before.shape[0]}, {before.shape[1]}, 1), name="channels"),')
        lines.append(f"        {layer_line(settings, row.name)},  # -> {'x'.join(map(str, row.shape))}")
    lines += [
        '        layers.Dense(10, activation="softmax", name="probabilities"),  # the ten answers',
        "    ]",
        ")",
        'print(f"parameters={model.count_params()}")',
    ]
    return "\n".join(lines)


def compile_section(config: TrainConfig) -> str:
    optimizer = OPTIMIZER_CLASSES[config.optimizer]
    lines = ["steps = len(x_fit) // BATCH_SIZE * EPOCHS"]
    if config.schedule == "onecycle":
        lines += [
            "warmup = max(1, steps // 5)  # one cycle: a warm-up to the peak rate, then a cosine decay",
            "rate = keras.optimizers.schedules.CosineDecay(",
            f"    initial_learning_rate={config.learning_rate} / 20,",
            "    decay_steps=max(1, steps - warmup),",
            f"    warmup_target={config.learning_rate},",
            "    warmup_steps=warmup,",
            "    alpha=0.01,",
            ")",
        ]
    else:
        lines.append(f"rate = {config.learning_rate}")
    lines += [
        "model.compile(",
        f"    optimizer=keras.optimizers.{optimizer}(learning_rate=rate),",
        '    loss="sparse_categorical_crossentropy",',
        '    metrics=["accuracy"],',
        ")",
    ]
    return "\n".join(lines)


VALIDATION = "\n    validation_data=(x_val.astype('float32'), y_val),"
FIT = """\
model.fit(
    x_fit.astype("float32"),
    y_fit,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,{validation}
)
_, test_accuracy = model.evaluate(x_test.astype("float32"), y_test, batch_size=1000, verbose=0)
model.save(OUT)
print(f"saved {{OUT}}")
print(f"test_accuracy={{test_accuracy:.4f}}")"""


def sections(config: TrainConfig, name: str) -> list[tuple[str, str]]:
    """(a heading in words, its code) for each part of the run: the script and the notebook share them."""
    network = config.network or get_architecture(config.architecture).network
    split = (
        "x_fit, y_fit = x_train[:-5000], y_train[:-5000]  # the last 5,000 are kept to check on (validation)\n"
        "x_val, y_val = x_train[-5000:], y_train[-5000:]"
        if config.validation
        else "x_fit, y_fit = x_train, y_train"
    )
    checked = ", checking on 5,000 others" if config.validation else ""
    left_out = [
        "the digits varied as they train (DigitLab's augment)" if config.augment else "",
        f"{config.styles} drawn style digits per style" if config.styles else "",
    ]
    note = " ".join(f"# Left out here: {what}." for what in left_out if what)
    return [
        ("Imports", IMPORTS),
        ("MNIST", LOAD.format(split=split, checked=checked)),
        (
            f"The network ({config.architecture if not config.network else 'your own'})",
            f"keras.utils.set_random_seed({config.seed})  # the same first weights every time\n"
            + build_section(network),
        ),
        (f"How it learns: {config.optimizer}, learning rate {config.learning_rate}", compile_section(config)),
        (
            "Train, test, save",
            (note + "\n" if note else "")
            + FIT.format(
                validation="\n    validation_data=(x_val.astype('float32'), y_val)," if config.validation else ""
            ),
        ),
    ]


def script(config: TrainConfig, name: str) -> str:
    """The standalone Python script of a run of `config` whose model is called `name`."""
    head = f'''"""Train {slug(name)}.keras: a DigitLab run, in plain Keras.

    python {slug(name)}.py                       # the MNIST files DigitLab ships (from any folder)
    python {slug(name)}.py --data other/folder   # MNIST's four .gz files elsewhere; missing: keras.datasets
"""'''
    arguments = f"""\
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument(
    "--data",
    default={json.dumps(mnist_folder())},
    help="a folder with MNIST's four .gz files (default: DigitLab's; missing: keras.datasets.mnist, downloaded)",
)
parser.add_argument("--epochs", type=int, default={config.epochs})
parser.add_argument("--limit", type=int, default={config.train_limit}, help="train on the first N digits only")
parser.add_argument("--out", default="{slug(name)}.keras")
args = parser.parse_args()
DATA, EPOCHS, LIMIT, OUT = args.data, args.epochs, args.limit, args.out
BATCH_SIZE = {config.batch_size}"""
    body = [head, "import argparse\n" + sections(config, name)[0][1], arguments]
    body += [f"# {heading}\n{code}" for heading, code in sections(config, name)[1:]]
    return "\n\n\n".join(body) + "\n"


def notebook(config: TrainConfig, name: str) -> str:
    """The same run as a Jupyter notebook (nbformat 4): a heading and a code cell per part."""
    settings = (
        f"DATA = {json.dumps(mnist_folder())}  # MNIST's four .gz files; a missing folder or None: keras.datasets\n"
        f'EPOCHS, LIMIT, OUT = {config.epochs}, {config.train_limit}, "{slug(name)}.keras"\n'
        f"BATCH_SIZE = {config.batch_size}"
    )
    parts = sections(config, name)
    cells = [
        markdown(
            f"# Train `{slug(name)}.keras`\n"
            "A DigitLab run in plain Keras: load MNIST, build, compile, fit, evaluate, save."
        )
    ]
    cells += [code_cell(parts[0][1]), markdown("## Settings"), code_cell(settings)]
    for heading, code in parts[1:]:
        cells += [markdown(f"## {heading}"), code_cell(code)]
    document = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    return json.dumps(document, indent=1)


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def code_cell(code: str) -> dict:
    return {
        "cell_type": "code",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": code.splitlines(keepends=True),
    }


def mnist_folder() -> str:
    """DigitLab's MNIST folder, absolute: the script and the notebook read it from any folder."""
    return str((app_settings.current().data_dir or DEFAULT_DATA_DIR).resolve())


def slug(name: str) -> str:
    return "train_" + "".join(c if c.isalnum() else "_" for c in name.lower())
