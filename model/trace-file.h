/*
 * Crash-safe HDF5 trace file: root attributes plus tables of 1-D columns that
 * grow row by row.
 *
 * Every Flush() leaves a file that h5py can open with every row appended so
 * far, so a run killed at any moment keeps all its completed rounds; the
 * file is written through OrderedWriteDriver() so that a kill inside a flush
 * leaves a readable file too (ordered-write-driver.h).
 */
#ifndef WFL_TRACE_FILE_H
#define WFL_TRACE_FILE_H

#include <H5Cpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wfl
{

enum class ColumnType
{
    Float64,
    Int64,
};

/// Attributes on any HDF5 object (group or dataset), replacing one of the same name.
void WriteStringAttribute(H5::H5Object& object, const std::string& name, const std::string& value);
void WriteInt64Attribute(H5::H5Object& object, const std::string& name, int64_t value);
void WriteFloat64Attribute(H5::H5Object& object, const std::string& name, double value);

struct ColumnSpec
{
    std::string name;
    ColumnType type = ColumnType::Float64;
    std::string unit;        ///< written as the column's "units" attribute ("1" if dimensionless)
    std::string description; ///< written as the column's "description" attribute
};

/// A group of equally long, extendible 1-D datasets (one per column).
class TraceTable
{
  public:
    TraceTable(H5::Group group, std::vector<ColumnSpec> columns);

    /**
     * Append rows given column by column: values[c] holds the new rows of
     * column c (all of equal length). Int64 columns take integral values.
     */
    void Append(const std::vector<std::vector<double>>& values);

    const std::vector<ColumnSpec>& Columns() const
    {
        return m_columns;
    }

    hsize_t Rows() const
    {
        return m_rows;
    }

  private:
    H5::Group m_group;
    std::vector<ColumnSpec> m_columns;
    std::vector<H5::DataSet> m_datasets;
    hsize_t m_rows = 0;
};

class TraceFile
{
  public:
    /**
     * Create `path` (and its parent directories), first under a temporary
     * name (see Publish).
     * @throws InputError (key output) if it exists and overwrite is false,
     *         or if it cannot be created.
     */
    TraceFile(const std::string& path, bool overwrite);
    ~TraceFile();

    TraceFile(const TraceFile&) = delete;
    TraceFile& operator=(const TraceFile&) = delete;

    void SetAttribute(const std::string& name, const std::string& value);
    void SetAttribute(const std::string& name, double value);
    void SetAttribute(const std::string& name, int64_t value);
    /// String attributes on a (created on demand) group, e.g. the resolved config.
    void SetGroupAttributes(const std::string& group, const std::map<std::string, std::string>& attributes);

    /**
     * Create the table /name with the given columns. A kill inside a flush
     * can leave a table created earlier without the rows a later one shows,
     * never the reverse: create first the table whose length readers take
     * as the number of rows flushed (ordered-write-driver.h).
     */
    TraceTable& AddTable(const std::string& name, std::vector<ColumnSpec> columns);
    TraceTable& Table(const std::string& name);

    /// The group at the absolute `path` ("/updates/round_0003"), created
    /// with its missing parents; for data other than tables (what is written
    /// there reaches the disk at the next Flush(), like the tables).
    H5::Group Group(const std::string& path);

    /// Create the group /name for content of its own (e.g. the saved model).
    H5::Group CreateGroup(const std::string& name)
    {
        return m_file.createGroup(name);
    }

    /// Push everything written so far to disk.
    void Flush();

    /**
     * Flush, then give the file its final name. Until then it lives at
     * Path() + ".partial", so a run killed while writing its header leaves no
     * half-made file under the final name.
     */
    void Publish();

    const std::string& Path() const
    {
        return m_path;
    }

  private:
    std::string m_path;
    std::string m_partialPath;
    bool m_overwrite = false;
    bool m_published = false;
    H5::H5File m_file;
    std::map<std::string, std::unique_ptr<TraceTable>> m_tables;
};

} // namespace wfl

#endif
