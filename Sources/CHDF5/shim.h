// The HDF5 C API for Swift.
//
// HDF5's type and property-list "constants" are macros over global `*_g`
// variables that first call H5open(); Swift imports neither the macros nor
// (in Swift 6 language mode) the mutable globals, so each one used by sparsim
// is exposed as a small inline getter.
#ifndef SPARSIM_CHDF5_SHIM_H
#define SPARSIM_CHDF5_SHIM_H

#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>   // Debian / Ubuntu libhdf5-dev
#else
#include <hdf5.h>
#endif

static inline hid_t sparsim_H5P_DEFAULT(void) { return (hid_t)H5P_DEFAULT; }
static inline hid_t sparsim_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t sparsim_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t sparsim_H5S_ALL(void) { return (hid_t)H5S_ALL; }
static inline hid_t sparsim_H5E_DEFAULT(void) { return (hid_t)H5E_DEFAULT; }

static inline hid_t sparsim_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t sparsim_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t sparsim_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t sparsim_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t sparsim_H5T_C_S1(void) { return H5T_C_S1; }

static inline unsigned sparsim_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned sparsim_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned sparsim_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }

// The file-format versions a new trace may use: 1.8's and later, whose superblock, object headers
// and B-trees carry checksums that the library verifies on every read.
static inline H5F_libver_t sparsim_H5F_LIBVER_V18(void) { return H5F_LIBVER_V18; }
static inline H5F_libver_t sparsim_H5F_LIBVER_LATEST(void) { return H5F_LIBVER_LATEST; }

#endif
