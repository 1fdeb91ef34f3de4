#include "thread-pool.h"

#include <algorithm>

namespace wfl
{

ThreadPool::ThreadPool(unsigned threads)
    : m_size(threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads)
{
    for (unsigned w = 1; w < m_size; ++w)
    {
        m_threads.emplace_back(&ThreadPool::WorkerLoop, this, w);
    }
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    for (std::thread& t : m_threads)
    {
        t.join();
    }
}

void
ThreadPool::RunShare(unsigned worker)
{
    for (;;)
    {
        size_t index;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (m_next >= m_count || m_error)
            {
                return;
            }
            index = m_next++;
        }
        try
        {
            (*m_body)(index, worker);
        }
        catch (...)
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (!m_error)
            {
                m_error = std::current_exception();
            }
        }
    }
}

void
ThreadPool::WorkerLoop(unsigned worker)
{
    uint64_t seen = 0;
    for (;;)
    {
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop)
            {
                return;
            }
            seen = m_generation;
            ++m_busy;
        }
        RunShare(worker);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            --m_busy;
        }
        m_done.notify_all();
    }
}

void
ThreadPool::ParallelFor(size_t count, const std::function<void(size_t, unsigned)>& body)
{
    if (count == 0)
    {
        return;
    }
    if (m_size == 1 || count == 1)
    {
        for (size_t i = 0; i < count; ++i)
        {
            body(i, 0);
        }
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_body = &body;
        m_count = count;
        m_next = 0;
        m_error = nullptr;
        ++m_generation;
    }
    m_wake.notify_all();
    RunShare(0);
    std::unique_lock<std::mutex> lock(m_mutex);
    // Wait until every index was taken and no worker is still inside a body.
    m_done.wait(lock, [&] { return (m_next >= m_count || m_error) && m_busy == 0; });
    m_body = nullptr;
    if (m_error)
    {
        std::rethrow_exception(m_error);
    }
}

} // namespace wfl
