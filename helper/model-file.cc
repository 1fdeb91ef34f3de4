#include "model-file.h"

#include "input-error.h"
#include "trace-file.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <unistd.h>

namespace wfl
{
namespace
{

std::string
ReadString(const H5::H5Object& object, const std::string& name)
{
    if (!object.attrExists(name))
    {
        throw InputError("no attribute " + name);
    }
    H5::Attribute attr = object.openAttribute(name);
    if (attr.getTypeClass() != H5T_STRING || attr.getSpace().getSimpleExtentNpoints() != 1)
    {
        throw InputError("attribute " + name + " is not a string");
    }
    std::string value;
    attr.read(attr.getStrType(), value);
    return value;
}

int64_t
ReadInt(const H5::H5Object& object, const std::string& name)
{
    if (!object.attrExists(name))
    {
        throw InputError("no attribute " + name);
    }
    H5::Attribute attr = object.openAttribute(name);
    if (attr.getTypeClass() != H5T_INTEGER || attr.getSpace().getSimpleExtentNpoints() != 1)
    {
        throw InputError("attribute " + name + " is not an integer");
    }
    int64_t value = 0;
    attr.read(H5::PredType::NATIVE_INT64, &value);
    return value;
}

std::string
JoinInts(const std::vector<int>& values)
{
    std::string text;
    for (int v : values)
    {
        text += (text.empty() ? "" : ",") + std::to_string(v);
    }
    return text;
}

std::vector<int>
SplitInts(const std::string& name, const std::string& text)
{
    std::vector<int> values;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || errno != 0 || v < 1 || v > 1000000)
        {
            throw InputError("attribute " + name + " = '" + text + "' is not a list of widths");
        }
        values.push_back(static_cast<int>(v));
    }
    return values;
}

int
ReadPositive(const H5::H5Object& object, const std::string& name)
{
    const int64_t v = ReadInt(object, name);
    if (v < 1 || v > 100000000)
    {
        throw InputError("attribute " + name + " = " + std::to_string(v) + " is out of range");
    }
    return static_cast<int>(v);
}

/// The /model group's content; throws InputError (without the file name).
SavedModel
ReadModelGroup(const H5::Group& g)
{
    if (!g.attrExists("complete") || ReadInt(g, "complete") != 1)
    {
        throw InputError("the /model group is incomplete (the run ended before writing it)");
    }
    if (ReadString(g, "format") != "wfl-model" || ReadInt(g, "format_version") != kModelFormatVersion)
    {
        throw InputError("/model is not a wfl-model of format_version " + std::to_string(kModelFormatVersion));
    }
    SavedModel m;
    m.spec.model.kind = ReadString(g, "kind");
    const std::string hidden = ReadString(g, "hidden");
    m.spec.model.hidden = hidden.empty() ? std::vector<int>{} : SplitInts("hidden", hidden);
    m.spec.model.conv = SplitInts("conv", ReadString(g, "conv"));
    m.spec.inputDim = ReadPositive(g, "input_dim");
    m.spec.classes = ReadPositive(g, "classes");
    m.dataset = ReadString(g, "dataset");
    m.rounds = ReadInt(g, "rounds");
    const std::unique_ptr<Model<float>> model = MakeModel<float>(m.spec.model, m.spec.inputDim, m.spec.classes);
    if (ReadInt(g, "num_params") != model->NumParams())
    {
        throw InputError("num_params does not match " + model->Describe());
    }
    m.params.resize(model->NumParams());
    H5::Group tensors = g.openGroup("tensors");
    for (const TensorLayout& t : model->Layout())
    {
        if (!tensors.nameExists(t.name))
        {
            throw InputError("no tensor " + t.name + " (" + model->Describe() + ")");
        }
        H5::DataSet ds = tensors.openDataSet(t.name);
        H5::DataSpace space = ds.getSpace();
        std::vector<hsize_t> dims(static_cast<size_t>(space.getSimpleExtentNdims()));
        space.getSimpleExtentDims(dims.data());
        if (ds.getTypeClass() != H5T_FLOAT || std::vector<size_t>(dims.begin(), dims.end()) != t.shape ||
            ReadInt(ds, "offset") != static_cast<int64_t>(t.offset))
        {
            throw InputError("tensor " + t.name + " does not match " + model->Describe());
        }
        ds.read(m.params.data() + t.offset, H5::PredType::NATIVE_FLOAT);
    }
    if (!m.params.allFinite())
    {
        throw InputError("the parameters are not all finite");
    }
    return m;
}

} // namespace

void
WriteModelGroup(H5::Group g, const SavedModel& m)
{
    const std::unique_ptr<Model<float>> model = MakeModel<float>(m.spec.model, m.spec.inputDim, m.spec.classes);
    if (m.params.size() != model->NumParams())
    {
        throw std::logic_error("WriteModelGroup: parameter count does not match the architecture");
    }
    WriteStringAttribute(g, "format", "wfl-model");
    WriteInt64Attribute(g, "format_version", kModelFormatVersion);
    WriteStringAttribute(g, "kind", m.spec.model.kind);
    WriteStringAttribute(g, "hidden", m.spec.model.kind == "softmax" ? "" : JoinInts(m.spec.model.hidden));
    WriteStringAttribute(g, "conv", JoinInts(m.spec.model.conv));
    WriteInt64Attribute(g, "input_dim", m.spec.inputDim);
    WriteInt64Attribute(g, "classes", m.spec.classes);
    WriteInt64Attribute(g, "num_params", model->NumParams());
    WriteStringAttribute(g, "describe", model->Describe());
    WriteStringAttribute(g, "dataset", m.dataset);
    WriteInt64Attribute(g, "rounds", m.rounds);
    H5::Group tensors = g.createGroup("tensors");
    for (const TensorLayout& t : model->Layout())
    {
        const std::vector<hsize_t> dims(t.shape.begin(), t.shape.end());
        H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
        H5::DataSet ds = tensors.createDataSet(t.name, H5::PredType::IEEE_F32LE, space);
        ds.write(m.params.data() + t.offset, H5::PredType::NATIVE_FLOAT);
        WriteInt64Attribute(ds, "offset", static_cast<int64_t>(t.offset));
    }
    WriteInt64Attribute(g, "complete", 1);
}

void
SaveModelFile(const std::string& path, const SavedModel& model)
{
    const std::string partial = path + ".partial";
    try
    {
        H5::Exception::dontPrint();
        H5::H5File file(partial, H5F_ACC_TRUNC);
        WriteModelGroup(file.createGroup("model"), model);
        file.close();
    }
    catch (const H5::Exception& e)
    {
        unlink(partial.c_str());
        throw InputError("trace.save-model: cannot write " + path + " (" + e.getDetailMsg() + ")");
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0)
    {
        const std::string reason = std::strerror(errno);
        unlink(partial.c_str());
        throw InputError("trace.save-model: cannot create " + path + " (" + reason + ")");
    }
}

SavedModel
LoadModel(const std::string& path)
{
    try
    {
        H5::Exception::dontPrint();
        if (access(path.c_str(), R_OK) != 0)
        {
            throw InputError(std::string("cannot read it (") + std::strerror(errno) + ")");
        }
        if (H5::H5File::isHdf5(path) <= 0)
        {
            throw InputError("not an HDF5 file");
        }
        H5::H5File file(path, H5F_ACC_RDONLY);
        if (!file.nameExists("model"))
        {
            throw InputError("no /model group (save one with wfl-run --trace.save-model or --trace.model true)");
        }
        return ReadModelGroup(file.openGroup("model"));
    }
    catch (const H5::Exception& e)
    {
        throw InputError("model " + path + ": cannot read it (" + e.getDetailMsg() + ")");
    }
    catch (const InputError& e)
    {
        throw InputError("model " + path + ": " + e.what());
    }
}

} // namespace wfl
