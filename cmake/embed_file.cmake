# cmake -DIN=<file> -DOUT=<file.cpp> -DSYMBOL=<name> -P embed_file.cmake
# Writes <file>'s bytes as a C array. Hex is split into 16-byte lines so the
# regex runs on short strings (one big string makes CMake's regex slow).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
set(body "")
set(chunk 4096)  # hex chars per regex pass (2048 bytes)
set(pos 0)
while(pos LESS n)
  string(SUBSTRING "${hex}" ${pos} ${chunk} part)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," part "${part}")
  string(REGEX REPLACE "((0x..,){32})" "\\1\n" part "${part}")
  string(APPEND body "${part}")
  math(EXPR pos "${pos} + ${chunk}")
endwhile()
math(EXPR bytes "${n} / 2")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by cmake/embed_file.cmake; do not edit.\n"
  "extern const unsigned char ${SYMBOL}[];\nextern const unsigned ${SYMBOL}_size;\n"
  "alignas(16) const unsigned char ${SYMBOL}[] = {\n${body}0x00};\n"
  "const unsigned ${SYMBOL}_size = ${bytes};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
