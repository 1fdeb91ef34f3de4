#include "npy-reader.h"

#include "input-error.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace wfl
{
namespace
{

[[noreturn]] void
Fail(const std::string& name, const std::string& what)
{
    throw InputError(name + ": not a 1-D float32/float64 .npy file: " + what);
}

/// Little-endian unsigned integer of `bytes` bytes at `at`.
uint32_t
LittleEndian(const std::string& s, size_t at, size_t bytes)
{
    uint32_t value = 0;
    for (size_t i = 0; i < bytes; ++i)
    {
        value |= static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    }
    return value;
}

/// Parser of the header's Python dict literal: {'key': value, ...} with
/// values 'string', True/False or a tuple of integers.
class HeaderParser
{
  public:
    HeaderParser(const std::string& text, const std::string& name)
        : m_text(text),
          m_name(name)
    {
    }

    std::map<std::string, std::string> Parse()
    {
        std::map<std::string, std::string> entries;
        Expect('{');
        while (Peek() != '}')
        {
            const std::string key = Quoted();
            Expect(':');
            if (entries.count(key))
            {
                Fail(m_name, "header repeats '" + key + "'");
            }
            entries[key] = Value();
            if (Peek() != ',')
            {
                break;
            }
            Expect(',');
        }
        Expect('}');
        Skip();
        if (m_pos != m_text.size())
        {
            Fail(m_name, "text after the header's dict");
        }
        return entries;
    }

  private:
    void Skip()
    {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n'))
        {
            ++m_pos;
        }
    }

    char Peek()
    {
        Skip();
        if (m_pos >= m_text.size())
        {
            Fail(m_name, "header ends inside its dict");
        }
        return m_text[m_pos];
    }

    void Expect(char c)
    {
        if (Peek() != c)
        {
            Fail(m_name, std::string("header: expected '") + c + "' at offset " + std::to_string(m_pos));
        }
        ++m_pos;
    }

    std::string Quoted()
    {
        Expect('\'');
        const size_t end = m_text.find('\'', m_pos);
        if (end == std::string::npos)
        {
            Fail(m_name, "header: unterminated string");
        }
        std::string s = m_text.substr(m_pos, end - m_pos);
        m_pos = end + 1;
        return s;
    }

    std::string Value()
    {
        const char c = Peek();
        if (c == '\'')
        {
            return "'" + Quoted() + "'";
        }
        if (c == '(')
        {
            const size_t end = m_text.find(')', m_pos);
            if (end == std::string::npos)
            {
                Fail(m_name, "header: unterminated tuple");
            }
            std::string s = m_text.substr(m_pos, end - m_pos + 1);
            m_pos = end + 1;
            return s;
        }
        for (const char* word : {"True", "False"})
        {
            if (m_text.compare(m_pos, std::strlen(word), word) == 0)
            {
                m_pos += std::strlen(word);
                return word;
            }
        }
        Fail(m_name, "header: a value is not a string, a tuple, True or False");
    }

    const std::string& m_text;
    const std::string& m_name;
    size_t m_pos = 0;
};

/// n from "(n,)" (blanks allowed); anything else (scalar, 2-D) fails.
size_t
OneDimensionalLength(const std::string& shape, const std::string& name)
{
    std::string compact;
    for (char c : shape)
    {
        if (c != ' ')
        {
            compact += c;
        }
    }
    if (compact.size() < 4 || compact.front() != '(' || compact.substr(compact.size() - 2) != ",)" ||
        compact.find_first_not_of("0123456789", 1) != compact.size() - 2)
    {
        Fail(name, "shape " + shape + " is not (n,)");
    }
    return std::stoull(compact.substr(1, compact.size() - 3));
}

} // namespace

std::vector<float>
ParseNpyVector(const std::string& bytes, const std::string& name)
{
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    {
        Fail(name, "no \\x93NUMPY magic");
    }
    const int major = static_cast<unsigned char>(bytes[6]);
    const size_t lengthBytes = major == 1 ? 2 : 4;
    if (major < 1 || major > 3 || bytes.size() < 8 + lengthBytes)
    {
        Fail(name, "format version " + std::to_string(major) + " (expected 1, 2 or 3)");
    }
    const size_t headerLength = LittleEndian(bytes, 8, lengthBytes);
    const size_t dataStart = 8 + lengthBytes + headerLength;
    if (dataStart > bytes.size())
    {
        Fail(name, "header length " + std::to_string(headerLength) + " runs past the end of the file");
    }
    const std::string header = bytes.substr(8 + lengthBytes, headerLength);
    const std::map<std::string, std::string> entries = HeaderParser(header, name).Parse();
    for (const char* key : {"descr", "fortran_order", "shape"})
    {
        if (!entries.count(key))
        {
            Fail(name, std::string("header has no '") + key + "'");
        }
    }
    if (entries.size() != 3)
    {
        Fail(name, "header has keys besides descr, fortran_order and shape");
    }
    const std::string& descr = entries.at("descr");
    if (descr != "'<f4'" && descr != "'<f8'")
    {
        Fail(name, "dtype " + descr + " (expected '<f4' or '<f8')");
    }
    if (entries.at("fortran_order") != "False" && entries.at("fortran_order") != "True")
    {
        Fail(name, "fortran_order is not True or False");
    }
    const size_t n = OneDimensionalLength(entries.at("shape"), name);
    const size_t item = descr == "'<f4'" ? 4 : 8;
    if (n == 0 || bytes.size() - dataStart != n * item)
    {
        Fail(name, "shape (" + std::to_string(n) + ",) needs " + std::to_string(n * item) +
                       " data bytes, the file has " + std::to_string(bytes.size() - dataStart));
    }
    std::vector<float> values(n);
    for (size_t i = 0; i < n; ++i)
    {
        double v = 0.0;
        if (item == 4)
        {
            float f;
            std::memcpy(&f, bytes.data() + dataStart + 4 * i, 4);
            v = f;
        }
        else
        {
            std::memcpy(&v, bytes.data() + dataStart + 8 * i, 8);
        }
        if (!std::isfinite(v) || std::abs(v) > 3.4028234663852886e38)
        {
            throw InputError(name + ": entry " + std::to_string(i) + " is not a finite float32");
        }
        values[i] = static_cast<float>(v);
    }
    return values;
}

std::vector<float>
ReadNpyVector(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
    {
        throw InputError(path + ": cannot open");
    }
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return ParseNpyVector(bytes.str(), path);
}

} // namespace wfl
