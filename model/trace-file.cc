#include "trace-file.h"

#include "input-error.h"
#include "ordered-write-driver.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

namespace wfl
{
namespace
{

/// Rows per HDF5 chunk: small enough that a short run stays small on disk.
constexpr hsize_t kChunkRows = 256;

template <typename T>
void
WriteScalarAttribute(H5::H5Object& object, const std::string& name, const H5::PredType& type, T value)
{
    if (object.attrExists(name))
    {
        object.removeAttr(name);
    }
    H5::Attribute attr = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
    attr.write(type, &value);
}

void
MakeParentDirectories(const std::string& path)
{
    for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1))
    {
        const std::string dir = path.substr(0, pos);
        if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
        {
            throw InputError("output: cannot create directory " + dir + " (" +
                             std::strerror(errno) + ")");
        }
    }
}

} // namespace

void
WriteStringAttribute(H5::H5Object& object, const std::string& name, const std::string& value)
{
    if (object.attrExists(name))
    {
        object.removeAttr(name);
    }
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    H5::Attribute attr = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
    attr.write(type, value);
}

void
WriteInt64Attribute(H5::H5Object& object, const std::string& name, int64_t value)
{
    WriteScalarAttribute(object, name, H5::PredType::STD_I64LE, value);
}

void
WriteFloat64Attribute(H5::H5Object& object, const std::string& name, double value)
{
    WriteScalarAttribute(object, name, H5::PredType::IEEE_F64LE, value);
}

TraceTable::TraceTable(H5::Group group, std::vector<ColumnSpec> columns)
    : m_group(std::move(group)),
      m_columns(std::move(columns))
{
    for (const ColumnSpec& column : m_columns)
    {
        const hsize_t initial[1] = {0};
        const hsize_t maximum[1] = {H5S_UNLIMITED};
        H5::DataSpace space(1, initial, maximum);
        H5::DSetCreatPropList props;
        const hsize_t chunk[1] = {kChunkRows};
        props.setChunk(1, chunk);
        const H5::PredType& type = column.type == ColumnType::Float64 ? H5::PredType::IEEE_F64LE
                                                                      : H5::PredType::STD_I64LE;
        H5::DataSet dataset = m_group.createDataSet(column.name, type, space, props);
        WriteStringAttribute(dataset, "units", column.unit.empty() ? "1" : column.unit);
        WriteStringAttribute(dataset, "description", column.description);
        m_datasets.push_back(dataset);
    }
}

void
TraceTable::Append(const std::vector<std::vector<double>>& values)
{
    if (values.size() != m_columns.size())
    {
        throw std::logic_error("TraceTable::Append: wrong number of columns");
    }
    const hsize_t count = values.front().size();
    if (count == 0)
    {
        return;
    }
    std::vector<int64_t> integers;
    for (size_t c = 0; c < m_columns.size(); ++c)
    {
        if (values[c].size() != count)
        {
            throw std::logic_error("TraceTable::Append: columns of unequal length");
        }
        H5::DataSet& dataset = m_datasets[c];
        const hsize_t newSize[1] = {m_rows + count};
        dataset.extend(newSize);
        H5::DataSpace fileSpace = dataset.getSpace();
        const hsize_t offset[1] = {m_rows};
        const hsize_t extent[1] = {count};
        fileSpace.selectHyperslab(H5S_SELECT_SET, extent, offset);
        H5::DataSpace memorySpace(1, extent);
        if (m_columns[c].type == ColumnType::Float64)
        {
            dataset.write(values[c].data(), H5::PredType::NATIVE_DOUBLE, memorySpace, fileSpace);
        }
        else
        {
            integers.assign(values[c].begin(), values[c].end());
            dataset.write(integers.data(), H5::PredType::NATIVE_INT64, memorySpace, fileSpace);
        }
    }
    m_rows += count;
}

TraceFile::TraceFile(const std::string& path, bool overwrite)
    : m_path(path),
      m_partialPath(path + ".partial"),
      m_overwrite(overwrite)
{
    struct stat st;
    if (!overwrite && stat(path.c_str(), &st) == 0)
    {
        throw InputError("output: " + path +
                         " already exists; choose another path or pass --overwrite");
    }
    MakeParentDirectories(path);
    try
    {
        H5::Exception::dontPrint();
        // Keep dirty metadata in memory until Flush(): with evictions off, the
        // file on disk changes only at flushes, never in the middle of a row.
        // The driver puts each flush on disk in an order that is readable at
        // every step (ordered-write-driver.h says which order and why).
        H5::FileAccPropList access;
        H5Pset_driver(access.getId(), OrderedWriteDriver(), nullptr);
        H5AC_cache_config_t cache;
        cache.version = H5AC__CURR_CACHE_CONFIG_VERSION;
        H5Pget_mdc_config(access.getId(), &cache);
        cache.evictions_enabled = false;
        cache.incr_mode = H5C_incr__off;
        cache.flash_incr_mode = H5C_flash_incr__off;
        cache.decr_mode = H5C_decr__off;
        H5Pset_mdc_config(access.getId(), &cache);
        // Space freed in the session is never reused: a new object in freed
        // space would be written over bytes a reader may still follow, and
        // the driver can order only updates of existing objects safely.
        H5::FileCreatPropList create;
        H5Pset_file_space_strategy(create.getId(), H5F_FSPACE_STRATEGY_NONE, 0, 1);
        m_file = H5::H5File(m_partialPath, H5F_ACC_TRUNC, create, access);
    }
    catch (const H5::Exception& e)
    {
        throw InputError("output: cannot create " + path + " (" + e.getDetailMsg() + ")");
    }
}

TraceFile::~TraceFile()
{
    try
    {
        m_tables.clear();
        m_file.close();
    }
    catch (const H5::Exception&)
    {
        // Nothing sensible to do while unwinding; the last Flush() is on disk.
    }
    if (!m_published)
    {
        unlink(m_partialPath.c_str());
    }
}

void
TraceFile::Publish()
{
    Flush();
    if (m_overwrite)
    {
        if (rename(m_partialPath.c_str(), m_path.c_str()) != 0)
        {
            throw InputError("output: cannot create " + m_path + " (" + std::strerror(errno) + ")");
        }
    }
    else
    {
        // link() fails if the final name appeared meanwhile: never replace a trace.
        if (link(m_partialPath.c_str(), m_path.c_str()) != 0)
        {
            throw InputError("output: cannot create " + m_path + " (" + std::strerror(errno) +
                             "); choose another path or pass --overwrite");
        }
        unlink(m_partialPath.c_str());
    }
    m_published = true;
}

void
TraceFile::SetAttribute(const std::string& name, const std::string& value)
{
    WriteStringAttribute(m_file, name, value);
}

void
TraceFile::SetAttribute(const std::string& name, double value)
{
    WriteFloat64Attribute(m_file, name, value);
}

void
TraceFile::SetAttribute(const std::string& name, int64_t value)
{
    WriteInt64Attribute(m_file, name, value);
}

void
TraceFile::SetGroupAttributes(const std::string& group,
                              const std::map<std::string, std::string>& attributes)
{
    H5::Group g = m_file.nameExists(group) ? m_file.openGroup(group) : m_file.createGroup(group);
    for (const auto& [name, value] : attributes)
    {
        WriteStringAttribute(g, name, value);
    }
}

TraceTable&
TraceFile::AddTable(const std::string& name, std::vector<ColumnSpec> columns)
{
    auto table = std::make_unique<TraceTable>(m_file.createGroup(name), std::move(columns));
    return *(m_tables[name] = std::move(table));
}

TraceTable&
TraceFile::Table(const std::string& name)
{
    return *m_tables.at(name);
}

H5::Group
TraceFile::Group(const std::string& path)
{
    H5::Group group = m_file.openGroup("/");
    std::string prefix;
    for (size_t start = 1; start < path.size();)
    {
        const size_t end = std::min(path.find('/', start), path.size());
        prefix += "/" + path.substr(start, end - start);
        group = m_file.nameExists(prefix) ? m_file.openGroup(prefix) : m_file.createGroup(prefix);
        start = end + 1;
    }
    return group;
}

void
TraceFile::Flush()
{
    m_file.flush(H5F_SCOPE_GLOBAL);
}

} // namespace wfl
