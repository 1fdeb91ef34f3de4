#include "trace-reader.h"

#include "hdf5-checked-reader.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <sstream>

// The reader uses HDF5's C API so that every call's return code is checked
// where it is made (the C++ API prints from destructors while unwinding).

namespace wfl
{
namespace
{

using hdf5::Handle;
using hdf5::HdfCause;
using hdf5::QuietErrors;
using hdf5::Reader;

/// The memory type to read strings of `fileType`: the same fixed-length type
/// (its bytes as stored, padding included), or a variable-length C string of
/// the same character set (HDF5 does not convert between character sets).
hid_t
MemoryStringType(const Reader& reader, hid_t fileType, const std::string& name)
{
    const htri_t variable = reader.Check(H5Tis_variable_str(fileType), name + ": bad string type");
    if (!variable)
    {
        return reader.Check(H5Tcopy(fileType), name + ": bad string type");
    }
    const H5T_cset_t cset = H5Tget_cset(fileType);
    reader.Check(static_cast<int>(cset), name + ": bad string type");
    const hid_t memory = reader.Check(H5Tcopy(H5T_C_S1), name + ": string type");
    if (H5Tset_size(memory, H5T_VARIABLE) < 0 || H5Tset_cset(memory, cset) < 0)
    {
        H5Tclose(memory);
        reader.Fail(name + ": bad string type (" + HdfCause() + ")");
    }
    return memory;
}

/// Frees the strings HDF5 allocated for a variable-length read.
class VlenStrings
{
  public:
    VlenStrings(hid_t type, hid_t space, size_t count)
        : m_type(type),
          m_space(space),
          m_pointers(count, nullptr)
    {
    }
    ~VlenStrings()
    {
        H5Dvlen_reclaim(m_type, m_space, H5P_DEFAULT, m_pointers.data());
    }
    VlenStrings(const VlenStrings&) = delete;
    VlenStrings& operator=(const VlenStrings&) = delete;
    char** Data()
    {
        return m_pointers.data();
    }

  private:
    hid_t m_type;
    hid_t m_space;
    std::vector<char*> m_pointers;
};

/// Strings of `count` fixed-length cells of `size` bytes, each cut at its first NUL.
std::vector<std::string>
SplitFixed(const std::vector<char>& cells, size_t count, size_t size)
{
    std::vector<std::string> values;
    for (size_t i = 0; i < count; ++i)
    {
        const char* cell = cells.data() + i * size;
        values.emplace_back(cell, std::find(cell, cell + size, '\0'));
    }
    return values;
}

std::string
ReadStringAttribute(const Reader& reader, hid_t attribute, hid_t fileType, const std::string& name)
{
    const Handle memory(MemoryStringType(reader, fileType, name), H5Tclose);
    if (H5Tis_variable_str(memory.Get()) > 0)
    {
        reader.CheckGlobalHeaps();
        const Handle space(reader.Check(H5Aget_space(attribute), name), H5Sclose);
        VlenStrings value(memory.Get(), space.Get(), 1);
        reader.Check(H5Aread(attribute, memory.Get(), value.Data()), "cannot read attribute " + name);
        return value.Data()[0] ? value.Data()[0] : "";
    }
    const size_t size = H5Tget_size(memory.Get());
    if (size == 0)
    {
        reader.Fail("attribute " + name + ": bad string type");
    }
    reader.CheckBytes(1, size, "attribute " + name);
    std::vector<char> cell(size, '\0');
    reader.Check(H5Aread(attribute, memory.Get(), cell.data()), "cannot read attribute " + name);
    return SplitFixed(cell, 1, size).front();
}

} // namespace

std::vector<double>
ReadColumn(const std::string& path, const std::string& dataset)
{
    const QuietErrors quiet;
    const Reader reader(path);
    const Handle ds(reader.Check(H5Dopen2(reader.File(), dataset.c_str(), H5P_DEFAULT), "no dataset " + dataset),
                    H5Dclose);
    const Handle type(reader.Check(H5Dget_type(ds.Get()), dataset + ": bad type"), H5Tclose);
    const H5T_class_t cls = H5Tget_class(type.Get());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    {
        reader.Fail(dataset + " is not a numeric column");
    }
    // wfl writes 8-byte numbers. A corrupt type size (100,663,304 bytes an
    // integer, found by fuzz-trace-reader) made libhdf5 1.10.8 copy from a
    // conversion buffer it never got (SIGSEGV at address 0 in H5VM_memcpyvv;
    // fuzz/regressions/trace-reader/hdf5-segv-96MB-integer.h5).
    const size_t typeBytes = H5Tget_size(type.Get());
    if (typeBytes == 0 || typeBytes > 16)
    {
        reader.Fail(dataset + " has " + std::to_string(typeBytes) + "-byte numbers, expected 1 to 16 bytes");
    }
    const Handle space(reader.Check(H5Dget_space(ds.Get()), dataset + ": bad dataspace"), H5Sclose);
    std::vector<double> values(reader.Rows(ds.Get(), space.Get(), dataset, sizeof(double)));
    if (!values.empty())
    {
        reader.Check(H5Dread(ds.Get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                     "cannot read " + dataset);
    }
    return values;
}

std::vector<std::string>
ReadStringColumn(const std::string& path, const std::string& dataset)
{
    const QuietErrors quiet;
    const Reader reader(path);
    const Handle ds(reader.Check(H5Dopen2(reader.File(), dataset.c_str(), H5P_DEFAULT), "no dataset " + dataset),
                    H5Dclose);
    const Handle type(reader.Check(H5Dget_type(ds.Get()), dataset + ": bad type"), H5Tclose);
    if (H5Tget_class(type.Get()) != H5T_STRING)
    {
        reader.Fail(dataset + " is not a string column");
    }
    const Handle memory(MemoryStringType(reader, type.Get(), dataset), H5Tclose);
    const Handle space(reader.Check(H5Dget_space(ds.Get()), dataset + ": bad dataspace"), H5Sclose);
    const bool variable = H5Tis_variable_str(memory.Get()) > 0;
    const size_t size = variable ? sizeof(char*) : H5Tget_size(memory.Get());
    if (size == 0)
    {
        reader.Fail(dataset + ": bad string type");
    }
    const hsize_t rows = reader.Rows(ds.Get(), space.Get(), dataset, size);
    if (rows == 0)
    {
        return {};
    }
    if (!variable)
    {
        std::vector<char> cells(rows * size, '\0');
        reader.Check(H5Dread(ds.Get(), memory.Get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, cells.data()),
                     "cannot read " + dataset);
        return SplitFixed(cells, rows, size);
    }
    reader.CheckGlobalHeaps();
    // One row per read: libhdf5 1.10.8 converts a read's strings into its own
    // buffer before handing them over, and when a later row fails (a corrupt
    // heap reference) its error path drops the strings already made, a leak
    // (fuzz/regressions/trace-reader/hdf5-leak-vlen-conversion.h5). Row by
    // row, every string made is in `raw`, which frees them, before the next
    // read. Names and shapes of saved tensors, sweep point ids: few rows.
    const Handle all(reader.Check(H5Screate_simple(1, &rows, nullptr), dataset), H5Sclose);
    VlenStrings raw(memory.Get(), all.Get(), rows);
    const hsize_t one = 1;
    const Handle row(reader.Check(H5Screate_simple(1, &one, nullptr), dataset), H5Sclose);
    for (hsize_t r = 0; r < rows; ++r)
    {
        reader.Check(H5Sselect_hyperslab(space.Get(), H5S_SELECT_SET, &r, nullptr, &one, nullptr), dataset);
        reader.Check(H5Dread(ds.Get(), memory.Get(), row.Get(), space.Get(), H5P_DEFAULT, raw.Data() + r),
                     "cannot read " + dataset + " row " + std::to_string(r));
    }
    std::vector<std::string> values;
    for (size_t i = 0; i < rows; ++i)
    {
        values.emplace_back(raw.Data()[i] ? raw.Data()[i] : "");
    }
    return values;
}

std::string
ReadRootAttribute(const std::string& path, const std::string& name)
{
    const QuietErrors quiet;
    const Reader reader(path);
    if (reader.Check(H5Aexists(reader.File(), name.c_str()), "cannot look up attribute " + name) == 0)
    {
        return "";
    }
    const Handle attribute(reader.Check(H5Aopen(reader.File(), name.c_str(), H5P_DEFAULT),
                                        "cannot open attribute " + name),
                           H5Aclose);
    const Handle space(reader.Check(H5Aget_space(attribute.Get()), "attribute " + name), H5Sclose);
    const hssize_t points = reader.Check(H5Sget_simple_extent_npoints(space.Get()), "attribute " + name);
    if (points != 1)
    {
        reader.Fail("attribute " + name + " holds " + std::to_string(points) + " values, expected one");
    }
    const Handle type(reader.Check(H5Aget_type(attribute.Get()), "attribute " + name), H5Tclose);
    switch (H5Tget_class(type.Get()))
    {
    case H5T_STRING:
        return ReadStringAttribute(reader, attribute.Get(), type.Get(), name);
    case H5T_FLOAT: {
        double value = 0.0;
        reader.Check(H5Aread(attribute.Get(), H5T_NATIVE_DOUBLE, &value), "cannot read attribute " + name);
        std::ostringstream os;
        os.precision(17);
        os << value;
        return os.str();
    }
    case H5T_INTEGER: {
        int64_t value = 0;
        reader.Check(H5Aread(attribute.Get(), H5T_NATIVE_INT64, &value), "cannot read attribute " + name);
        return std::to_string(value);
    }
    default:
        reader.Fail("attribute " + name + " is not a string or a number");
    }
}

bool
IsCompleteTrace(const std::string& path)
{
    try
    {
        return ReadRootAttribute(path, "complete") == "1";
    }
    catch (const TraceReadError&)
    {
        return false;
    }
}

} // namespace wfl
