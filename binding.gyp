{
  "targets": [
    {
      "target_name": "capwire",
      "sources": [
        "<!@(node -p \"require('fs').readFileSync('native/sources.txt','utf8').split(/\\s+/).filter(Boolean).join(' ')\")",
        "native/addon/addon.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/core",
        "native/include"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-fvisibility=hidden"]
    }
  ]
}
