"""Training: mini-batch SGD, the engines that compute its steps, and what it records.

    values_engine  the values engine: C from Values, C.backward(), the reference
    engines        what computes C, dC/dw and the step: choose_engine, the replay engine
    metrics        evaluate, outputs, accuracy, predicted_class, true_class
    records        History, and where training stopped (to resume it)
    plan           what train is asked, checked before anything changes
    callbacks      what the loop calls: the progress bar, on_epoch (Callback, Step)
    watchers       the warnings where training cannot learn, and their thresholds
    guard          Ctrl-C and SIGTERM stop after a step; a lost terminal stops nothing
    trajectory     every SGD step kept (keep="steps"): network_at, gradients_at
    sgd            train: the step loop, w -> w - eta dC/dw, batch by batch
    torch_bridge   to_torch, from_torch, PyTorch's gradients, engine="torch"
    model_files    save and load as JSON, with how the network was trained

PyTorch is imported only by ``torch_bridge``, and only when asked for.
"""

from nn.training.metrics import accuracy, evaluate
from nn.training.model_files import ModelFileError, SavedModel, load, read_model, save
from nn.training.records import History
from nn.training.sgd import TrainingDiverged, train

__all__ = ["History", "ModelFileError", "SavedModel", "TrainingDiverged", "accuracy",
           "evaluate", "load", "read_model", "save", "train"]
