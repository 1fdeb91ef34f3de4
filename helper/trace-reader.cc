#include "trace-reader.h"

#include <H5Cpp.h>

#include <sstream>
#include <sys/stat.h>

namespace wfl
{

std::vector<double>
ReadColumn(const std::string& path, const std::string& dataset)
{
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::DataSet ds = file.openDataSet(dataset);
    hsize_t size = 0;
    ds.getSpace().getSimpleExtentDims(&size);
    std::vector<double> values(size);
    if (size > 0)
    {
        ds.read(values.data(), H5::PredType::NATIVE_DOUBLE);
    }
    return values;
}

std::vector<std::string>
ReadStringColumn(const std::string& path, const std::string& dataset)
{
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::DataSet ds = file.openDataSet(dataset);
    hsize_t size = 0;
    ds.getSpace().getSimpleExtentDims(&size);
    std::vector<char*> raw(size);
    const H5::StrType type = ds.getStrType(); // keeps the file's character set
    if (size > 0)
    {
        ds.read(raw.data(), type);
    }
    std::vector<std::string> values;
    for (char* s : raw)
    {
        values.emplace_back(s ? s : "");
    }
    if (size > 0)
    {
        H5::DataSet::vlenReclaim(raw.data(), type, ds.getSpace());
    }
    return values;
}

std::string
ReadRootAttribute(const std::string& path, const std::string& name)
{
    H5::H5File file(path, H5F_ACC_RDONLY);
    if (!file.attrExists(name))
    {
        return "";
    }
    H5::Attribute attr = file.openAttribute(name);
    if (attr.getTypeClass() == H5T_STRING)
    {
        std::string value;
        attr.read(attr.getStrType(), value);
        return value;
    }
    if (attr.getTypeClass() == H5T_FLOAT)
    {
        double value = 0.0;
        attr.read(H5::PredType::NATIVE_DOUBLE, &value);
        std::ostringstream os;
        os.precision(17);
        os << value;
        return os.str();
    }
    int64_t value = 0;
    attr.read(H5::PredType::NATIVE_INT64, &value);
    return std::to_string(value);
}

bool
IsCompleteTrace(const std::string& path)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
    {
        return false;
    }
    try
    {
        H5::Exception::dontPrint();
        return ReadRootAttribute(path, "complete") == "1";
    }
    catch (const H5::Exception&)
    {
        return false;
    }
}

} // namespace wfl
