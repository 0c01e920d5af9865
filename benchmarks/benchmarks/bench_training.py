"""One training step (batch gather, forward, softmax cross-entropy, backward, update) of a deep
fully connected network with isometry.training on NumPy: the paper's setting (Pennington et al.
2017), depth 200, width 400, batch 128, float32, CIFAR-10-sized inputs (3072) and 10 classes."""

from isometry.training import RunConfig, Trainer
from isometry.training.synthetic import teacher_task

from .common import SEED, pin_threads

SHAPES = ["400x200"]  # widthxdepth
OPTIMIZERS = ["sgd", "adam"]
ACTIVATIONS = ["tanh", "relu"]


class TrainingStep:
    params = (SHAPES, OPTIMIZERS, ACTIVATIONS)
    param_names = ("shape", "optimizer", "activation")
    number = 1
    repeat = (2, 5, 30.0)
    rounds = 1
    warmup_time = 0
    timeout = 300

    def setup(self, shape, optimizer, activation):
        pin_threads()
        width, depth = (int(v) for v in shape.split("x"))
        data = teacher_task(512, 128, 3072, 10, seed=SEED)
        config = RunConfig(
            dataset="teacher",
            width=width,
            depth=depth,
            activation=activation,
            init="orthogonal",
            optimizer=optimizer,
            learning_rate=1e-4,
            seed=SEED,
            q_star=1 / 64 if activation == "tanh" else 1.0,
            batch_size=128,
            dtype="float32",
            device="cpu",
        )
        self.trainer = Trainer(config, data)
        self.trainer.step(0)  # page in the workspaces: later steps reuse them
        self.k = 1

    def time_training_step(self, shape, optimizer, activation):
        self.trainer.step(self.k)
        self.k += 1
