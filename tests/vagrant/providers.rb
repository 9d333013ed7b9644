# Runs every provider block of the Vagrantfile against stand-ins for Vagrant's
# config objects (the provider plugins cannot be installed here, so `vagrant
# validate` cannot check them) and checks what each sets: 2 CPUs, 2 GB, and a
# Debian 12 box of the host's architecture.
#   ruby providers.rb VAGRANTFILE amd64|arm64
class Settings
  attr_reader :set
  def initialize; @set = {}; @vmx = {}; @set["vmx"] = @vmx; end
  def vmx; @vmx; end
  def vm; self; end
  def method_missing(name, *args, &block)
    key = name.to_s
    return @set[key.chomp("=")] = args.first if key.end_with?("=")
    @set[key] = args
    self
  end
  def respond_to_missing?(*) = true
end

class Config < Settings
  attr_reader :providers
  def initialize; super; @providers = {}; end
  def provider(name, &block); @providers[name.to_s] = block; end
end

module Vagrant
  def self.configure(_version)
    yield($config = Config.new)
  end
end

file, arch = ARGV
ENV["BENCH_VAGRANT_ARCH"] = arch
load file
config = $config
want = { "amd64" => ["debian/bookworm64", "bento/debian-12"],
         "arm64" => ["bento/debian-12", "perk/debian-12-genericcloud-arm64"] }[arch] or abort "arch?"
failures = []
%w[virtualbox libvirt parallels vmware_desktop qemu].each do |name|
  block = config.providers[name] or (failures << "#{name}: no provider block"; next)
  prov, override = Settings.new, Settings.new
  block.arity == 2 ? block.call(prov, override) : block.call(prov)
  s = prov.set
  cpus = s["cpus"] || s["smp"] || s["vmx"]["numvcpus"]
  mem = s["memory"] || s["vmx"]["memsize"]
  box = override.set["box"] || config.set["box"]
  failures << "#{name}: #{cpus.inspect} CPUs, not 2" unless cpus.to_s == "2"
  failures << "#{name}: memory #{mem.inspect}, not 2 GB" unless %w[2048 2G].include?(mem.to_s)
  failures << "#{name}: box #{box} on #{arch}" unless want.include?(box)
  qemu_arch = arch == "arm64" ? "aarch64" : "x86_64"
  failures << "#{name}: guest #{s['arch']} on #{arch}" if name == "qemu" && s["arch"] != qemu_arch
end
sync = config.set["synced_folder"]
failures << "synced folder is not rsync: #{sync.inspect}" unless sync && sync[2].is_a?(Hash) && sync[2][:type] == "rsync"
abort failures.join("\n") unless failures.empty?
puts "providers ok on #{arch}: #{config.providers.keys.join(', ')}"
