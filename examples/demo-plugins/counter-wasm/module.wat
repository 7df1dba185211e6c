;; The module of module.mjs, as text (for reading; the demo ships the bytes).
(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (param i32 i32) (result i64)))
  (type (;2;) (func (param i32 i32) (result i32)))
  (import "lattice" "kv_get" (func (;0;) (type 2)))
  (func (;1;) (type 0) i32.const 1024)                       ;; lattice_alloc(size) -> ptr
  (func (;2;) (type 1)                                        ;; lattice_invoke(ptr, len) -> (reply ptr << 32 | len)
    local.get 0 local.get 1 call 0 drop i64.const 0)
  (memory (;0;) 1)
  (export "memory" (memory 0))
  (export "lattice_alloc" (func 1))
  (export "lattice_invoke" (func 2)))
