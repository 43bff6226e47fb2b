;; Never returns: the runtime's interruption (or the harness's wall-clock limit) must stop it.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever (br $forever))))
