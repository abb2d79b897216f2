{
  "targets": [
    {
      "target_name": "weft_shm",
      "sources": ["shm.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lrt"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
