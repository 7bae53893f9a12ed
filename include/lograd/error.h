// lograd/error.h: the exceptions the library throws. Only the CLI (and later the
// Python module) turns them into messages and exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace lograd {

// Base of every error lograd throws; what() says what was wrong and how to fix it.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Operands whose shapes do not fit the op (e.g. matmul of (2,3) and (4)).
class ShapeError : public Error {
 public:
  using Error::Error;
};

// An argument outside the domain a function accepts (e.g. a negative learning rate).
class ValueError : public Error {
 public:
  using Error::Error;
};

// A tool lograd calls out to is missing (e.g. Graphviz's `dot`).
class MissingToolError : public Error {
 public:
  using Error::Error;
};

}  // namespace lograd
