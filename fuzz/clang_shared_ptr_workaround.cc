// clang 14 with libstdc++ 12 in C++20 mode emits the vtable of a std::make_shared control block
// whose only instantiation is inside a generic lambda (DataMatrix::select_rows and with_cols,
// src/data/data_matrix.cc) but not its destructors, so linking fails with "undefined reference
// to _Sp_counted_ptr_inplace<...>::~_Sp_counted_ptr_inplace()". g++ builds are unaffected.
// Only the fuzz build uses clang; these explicit instantiations supply the missing symbols.
#include <memory>

#include "lograd/csr.h"
#include "lograd/tensor.h"

template class std::_Sp_counted_ptr_inplace<const lograd::CsrMatrix<float>, std::allocator<void>,
                                            __gnu_cxx::_S_atomic>;
template class std::_Sp_counted_ptr_inplace<const lograd::CsrMatrix<double>, std::allocator<void>,
                                            __gnu_cxx::_S_atomic>;
template class std::_Sp_counted_ptr_inplace<const lograd::Tensor<float>, std::allocator<void>,
                                            __gnu_cxx::_S_atomic>;
template class std::_Sp_counted_ptr_inplace<const lograd::Tensor<double>, std::allocator<void>,
                                            __gnu_cxx::_S_atomic>;
