"""nn: the lecture's sigmoid networks, built from autodiff.Value."""
