"""Part IV, Backpropagation: gradients by hand, first for a chain of scalar functions
(:mod:`dlfoundations.backprop.toy_model`, chapter 12), then in matrix form for a deep
ReLU network (:mod:`dlfoundations.backprop.deep_network`, chapter 13)."""
