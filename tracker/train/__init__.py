"""Training and fine-tuning: detector (:mod:`.detector`), segmenter (:mod:`.segmenter`) and appearance
embedder (:mod:`.embedder`). Modules import TensorFlow inside functions, so ``tracker --help`` stays fast."""
