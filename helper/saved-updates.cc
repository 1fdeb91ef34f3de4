#include "saved-updates.h"

#include "input-error.h"
#include "trace-reader.h"

#include <H5Cpp.h>

#include <cmath>
#include <sstream>

namespace wfl
{
namespace
{

/// "256,120" as {256, 120}; false if it is not a list of positive integers.
bool
ParseShape(const std::string& text, std::vector<size_t>& shape)
{
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ','))
    {
        if (item.empty() || item.size() > 12 || item.find_first_not_of("0123456789") != std::string::npos ||
            std::stoull(item) == 0)
        {
            return false;
        }
        shape.push_back(static_cast<size_t>(std::stoull(item)));
    }
    return !shape.empty();
}

} // namespace

bool
HasSavedLayout(const std::string& file)
{
    try
    {
        H5::Exception::dontPrint();
        H5::H5File h5(file, H5F_ACC_RDONLY);
        return h5.nameExists("/updates") && h5.nameExists(kSavedLayoutGroup);
    }
    catch (const H5::Exception& e)
    {
        throw InputError(file + ": cannot read (" + e.getDetailMsg() + ")");
    }
}

ParameterLayout
ReadSavedLayout(const std::string& file)
{
    const std::string group = kSavedLayoutGroup;
    const std::vector<std::string> names = ReadStringColumn(file, group + "/name");
    const std::vector<std::string> shapes = ReadStringColumn(file, group + "/shape");
    const std::vector<double> offsets = ReadColumn(file, group + "/offset");
    const std::vector<double> sizes = ReadColumn(file, group + "/size");
    if (names.empty() || shapes.size() != names.size() || offsets.size() != names.size() ||
        sizes.size() != names.size())
    {
        throw InputError(file + ": " + group + " has columns of unequal or zero length");
    }
    ParameterLayout layout;
    size_t next = 0;
    for (size_t i = 0; i < names.size(); ++i)
    {
        TensorLayout t;
        t.name = names[i];
        if (!ParseShape(shapes[i], t.shape) || offsets[i] != static_cast<double>(next) ||
            sizes[i] != static_cast<double>(t.Size()))
        {
            throw InputError(file + ": " + group + " row " + std::to_string(i) + " (" + names[i] +
                             ") is not the next tensor of the vector (shape '" + shapes[i] + "')");
        }
        t.offset = next;
        next += t.Size();
        layout.push_back(t);
    }
    return layout;
}

const TensorLayout&
FindTensor(const ParameterLayout& layout, const std::string& name, const std::string& file)
{
    std::string known;
    for (const TensorLayout& t : layout)
    {
        if (t.name == name)
        {
            return t;
        }
        known += (known.empty() ? "" : ", ") + t.name;
    }
    throw InputError("--tensor " + name + ": " + file + " has no such tensor (it has " + known + ")");
}

} // namespace wfl
