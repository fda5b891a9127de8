require_relative 'spec_helper'

COUNTER = '/tmp/testvis_rspec_flaky_counter'

def add(a, b)
  a + b
end

RSpec.describe 'Math' do
  it 'adds numbers' do
    expect(add(2, 3)).to eq(5)
  end

  it 'upcases strings' do
    puts 'hello from stdout in upcases strings'
    warn 'a warning line on stderr'
    expect('junit'.upcase).to eq('JUNIT')
  end

  it 'fails an assertion' do
    expected = { status: 'ok', items: [1, 2, 3] }
    actual = { status: 'error', items: [1, 2] }
    expect(actual).to eq(expected), "response body did not match\nsecond line of the message"
  end

  it 'raises an unexpected exception' do
    data = {}
    data.fetch(:missing_key)
  end

  it 'is skipped with a reason' do
    skip 'feature not implemented yet'
  end

  it 'is pending with a reason' do
    pending 'known bug #123'
    expect(1).to eq(2)
  end

  xit 'is x-ed out' do
    expect(true).to be true
  end

  describe 'nested group' do
    context 'deeper context' do
      it 'passes deep inside' do
        expect([1, 2]).to eq([1, 2])
      end
    end
  end

  describe 'doubling' do
    [[1, 2], [2, 4], [3, 7]].each do |value, expected|
      it "doubles #{value} to #{expected}" do
        expect(value * 2).to eq(expected)
      end
    end
  end

  describe 'retries' do
    it 'passes on the second attempt', retry: 3 do
      n = File.exist?(COUNTER) ? File.read(COUNTER).to_i : 0
      File.write(COUNTER, (n + 1).to_s)
      puts "attempt #{n + 1}"
      expect(n).to be >= 1
    end

    it 'fails on every attempt', retry: 2 do
      expect(false).to be(true), 'this fails on every attempt'
    end
  end
end
